/**
 * Reads what a caption claims: the nouns it names (with their colours, other adjectives and explicit
 * counts) and the texts it quotes. One shallow, vocabulary-driven parser shared by the grounded fuser
 * (which edits the original caption around these mentions), the grounding check (which verifies them)
 * and the benchmark (enrichment statistics).
 *
 * It is deliberately shallow: a noun is a word or phrase of the lexicon; its modifiers are the colour,
 * person and size words directly before it (colours may be joined by "and" / commas), or "in <colour>"
 * directly after a person noun. Anything else is not read as a claim.
 */
import {
  AGE_ADJECTIVES,
  COLLECTIVE_NOUNS,
  EXPRESSION_ADJECTIVES,
  MAX_NOUN_WORDS,
  NUMBER_WORDS,
  PERSON_ADJECTIVES,
  SIZE_ADJECTIVES,
  baseColor,
  isColorModifier,
  isColorWord,
  isNonClaimNoun,
  lookupNoun,
} from './lexicon.ts';

export interface Token {
  /** As written (quotes keep their content without the quote marks). */
  text: string;
  lower: string;
  kind: 'word' | 'punct' | 'quote';
}

export interface NounMention {
  /** Singular lemma as written, e.g. "puppy", "stop sign". */
  lemma: string;
  /** Detector concept ("dog"), or null for a scene noun ("porch"). */
  concept: string | null;
  plural: boolean;
  /** Explicit count ("two dogs" → 2); null when the caption states none. */
  count: number | null;
  /** Base colour names ("dark blue" → "blue"). */
  colors: string[];
  /** Person and size adjectives as written ("smiling", "young", "small"). */
  adjectives: string[];
  /** Token range of the whole phrase: modifiers start at `start`, the noun is [nounStart, nounEnd). */
  start: number;
  nounStart: number;
  nounEnd: number;
  /** End of the phrase including a post-posed "in <colour>". */
  end: number;
}

// Words, quoted spans (straight or curly quotes) and single punctuation marks. Apostrophes and hyphens
// stay inside words ("man's", "t-shirt").
const TOKEN_RE = /"([^"]*)"|“([^”]*)”|([A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*)|([^\sA-Za-z0-9])/g;

export function tokenize(caption: string): Token[] {
  const tokens: Token[] = [];
  for (const m of caption.matchAll(TOKEN_RE)) {
    if (m[1] !== undefined || m[2] !== undefined) {
      const text = (m[1] ?? m[2]).trim();
      tokens.push({ text, lower: text.toLowerCase(), kind: 'quote' });
    } else if (m[3] !== undefined) {
      tokens.push({ text: m[3], lower: m[3].toLowerCase(), kind: 'word' });
    } else {
      tokens.push({ text: m[4], lower: m[4], kind: 'punct' });
    }
  }
  return tokens;
}

/** Longest lexicon noun starting at token i, as [entry, tokens consumed]. */
function nounAt(tokens: Token[], i: number): [NonNullable<ReturnType<typeof lookupNoun>>, number] | null {
  for (let n = Math.min(MAX_NOUN_WORDS, tokens.length - i); n >= 1; n--) {
    let phrase = '';
    let ok = true;
    for (let k = 0; k < n; k++) {
      const t = tokens[i + k];
      if (t.kind !== 'word') {
        ok = false;
        break;
      }
      phrase += (k ? ' ' : '') + t.lower;
    }
    if (!ok) continue;
    if (isNonClaimNoun(phrase)) return null;
    const entry = lookupNoun(phrase);
    if (entry) return [entry, n];
  }
  return null;
}

function isPersonOrSizeAdjective(word: string): boolean {
  return PERSON_ADJECTIVES.has(word) || word in SIZE_ADJECTIVES || word in EXPRESSION_ADJECTIVES || word in AGE_ADJECTIVES;
}

/**
 * A colour word followed (through other colours, "and", commas or modifiers) by a noun is an adjective;
 * otherwise it is read as a noun where the lexicon has one ("an orange" the fruit).
 */
function colorIsAdjective(tokens: Token[], i: number): boolean {
  for (let j = i + 1; j < tokens.length; j++) {
    const t = tokens[j];
    if (t.kind === 'word' && (isColorWord(t.lower) || isColorModifier(t.lower) || t.lower === 'and')) continue;
    if (t.kind === 'punct' && t.lower === ',') continue;
    if (t.kind === 'word' && isPersonOrSizeAdjective(t.lower)) continue;
    return nounAt(tokens, j) !== null;
  }
  return false;
}

/** Every noun mention of a tokenized caption, in order. */
export function parseNounMentions(tokens: Token[]): NounMention[] {
  const mentions: NounMention[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    // "light" in "light brown" is part of a colour, not the noun "light".
    const modifiesColor = isColorModifier(t.lower) && tokens[i + 1]?.kind === 'word' && isColorWord(tokens[i + 1].lower);
    if (t.kind !== 'word' || modifiesColor || (isColorWord(t.lower) && colorIsAdjective(tokens, i))) {
      i++;
      continue;
    }
    const found = nounAt(tokens, i);
    if (!found) {
      i++;
      continue;
    }
    const [entry, n] = found;
    const mention: NounMention = {
      lemma: entry.lemma,
      concept: entry.concept,
      plural: entry.plural,
      count: null,
      colors: [],
      adjectives: [],
      start: i,
      nounStart: i,
      nounEnd: i + n,
      end: i + n,
    };
    readPremodifiers(tokens, mention, mentions.length ? mentions[mentions.length - 1].end : 0);
    readPostposedColor(tokens, mention);
    readPredicateColor(tokens, mention);
    mentions.push(mention);
    i = mention.end;
  }
  return mentions;
}

/** Walks left from the noun over colours, person/size adjectives and a numeral. */
function readPremodifiers(tokens: Token[], m: NounMention, floor: number): void {
  let j = m.nounStart - 1;
  while (j >= floor) {
    const t = tokens[j];
    if (t.kind !== 'word' && !(t.lower === ',' && j > floor && isColorWord(tokens[j - 1].lower))) break;
    const w = t.lower;
    if (isColorWord(w)) {
      const base = baseColor(w)!;
      if (!m.colors.includes(base)) m.colors.unshift(base);
    } else if (isColorModifier(w) && j + 1 < tokens.length && isColorWord(tokens[j + 1].lower)) {
      // "dark" in "dark blue": part of the colour already read.
    } else if (w === 'and' || w === ',') {
      // Only joins colours ("red and white"); stop when it joins anything else.
      if (!(j > floor && isColorWord(tokens[j - 1].lower))) break;
    } else if (isPersonOrSizeAdjective(w)) {
      m.adjectives.unshift(w);
    } else {
      break;
    }
    m.start = j;
    j--;
  }
  if (j >= floor && tokens[j].kind === 'word') {
    const w = tokens[j].lower;
    const n = NUMBER_WORDS[w] ?? (/^[0-9]{1,3}$/.test(w) ? Number(w) : undefined);
    if (n !== undefined && !isCollectiveContext(tokens, j)) {
      m.count = n;
      m.start = j;
    }
  }
}

/** "one of the dogs" / "two of them" are not counts of the noun. */
function isCollectiveContext(tokens: Token[], j: number): boolean {
  return tokens[j + 1]?.lower === 'of' || COLLECTIVE_NOUNS.has(tokens[j + 1]?.lower ?? '');
}

/** "a man in blue" / "a woman in a red jacket": the colour describes the person (their clothes). */
function readPostposedColor(tokens: Token[], m: NounMention): void {
  if (m.concept !== 'person') return;
  if (tokens[m.nounEnd]?.lower !== 'in') return;
  let j = m.nounEnd + 1;
  if (tokens[j]?.lower === 'a' || tokens[j]?.lower === 'an') j++;
  let read = false;
  while (j < tokens.length) {
    const w = tokens[j].lower;
    if (isColorWord(w)) {
      const base = baseColor(w)!;
      if (!m.colors.includes(base)) m.colors.push(base);
      read = true;
    } else if (!(isColorModifier(w) || w === 'and')) break;
    j++;
  }
  if (read && tokens[j - 1] && isColorWord(tokens[j - 1].lower)) {
    // A clothing noun right after ("in a blue jacket") belongs to the phrase but is no detector claim.
    m.end = j;
  }
}

const RELATIVES = new Set(['that', 'which', 'who']);
const COPULAS = new Set(['is', 'are', 'was', 'were']);
const HEDGES = new Set(['mostly', 'mainly', 'all', 'entirely', 'partly', 'bright', 'very']);

/**
 * "the car is red", "a dog, which is black and white": a colour stated as a predicate right after the
 * noun is as much a claim as "a red car". The scan stops at anything but colours and "and".
 */
function readPredicateColor(tokens: Token[], m: NounMention): void {
  let j = m.end;
  if (tokens[j]?.lower === ',') j++;
  if (RELATIVES.has(tokens[j]?.lower ?? '')) j++;
  if (!COPULAS.has(tokens[j]?.lower ?? '')) return;
  j++;
  while (HEDGES.has(tokens[j]?.lower ?? '') && !isColorWord(tokens[j]?.lower ?? '')) j++;
  let read = false;
  while (j < tokens.length && tokens[j].kind === 'word') {
    const w = tokens[j].lower;
    if (isColorWord(w)) {
      // "is red sign" would be a noun phrase, not a predicate: a colour followed by a noun ends the scan.
      if (colorIsAdjective(tokens, j)) break;
      const base = baseColor(w)!;
      if (!m.colors.includes(base)) m.colors.push(base);
      read = true;
    } else if (!(isColorModifier(w) || w === 'and')) break;
    j++;
  }
  if (read) m.end = tokens[j - 1]?.lower === 'and' ? j - 1 : j;
}

export interface Mentions {
  nouns: string[];
  attributes: string[];
  counts: { noun: string; count: number }[];
  quotedTexts: string[];
}

/**
 * Distinct nouns (singular lemmas), distinct attributes (base colours, person and size adjectives),
 * explicit counts and quoted texts of a caption, each in order of first appearance.
 */
export function extractMentions(caption: string): Mentions {
  if (typeof caption !== 'string') throw new TypeError(`extractMentions: caption must be a string, got ${typeof caption}`);
  const tokens = tokenize(caption);
  const nouns: string[] = [];
  const attributes: string[] = [];
  const counts: { noun: string; count: number }[] = [];
  for (const m of parseNounMentions(tokens)) {
    if (!nouns.includes(m.lemma)) nouns.push(m.lemma);
    for (const a of [...m.adjectives, ...m.colors]) if (!attributes.includes(a)) attributes.push(a);
    if (m.count !== null) counts.push({ noun: m.lemma, count: m.count });
  }
  const quotedTexts = tokens.filter((t) => t.kind === 'quote' && t.text.length > 0).map((t) => t.text);
  return { nouns, attributes, counts, quotedTexts };
}
