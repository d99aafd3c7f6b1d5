/**
 * Reads the claims a caption makes that ground truth can check, and checks them against one image's truth:
 * - object mentions: COCO-80 classes named through metrics/hallucination/synonyms.ts (CHAIR);
 * - colour words attached to an object ("a dark brown stop sign", "a man in a red shirt", "a person in black");
 * - expression words ("a smiling man");
 * - quoted text ("a sign that reads "NO PARKING"");
 * - frame positions of objects ("two horses on the left"; position.ts).
 * Quoted spans are taken out before objects are read, so a quoted "Car Parks" names no car.
 */
import { boxFitsNothing, matchPlace, placeName, type FramePlace } from './position.ts';
import { PHRASES_BY_FIRST, type Phrase } from './synonyms.ts';
import { normalizeText, normalizedDistance, splitQuotes, tokenize, wordCount, type Token } from './text.ts';
import { CLOTHING, COLOR_MODIFIERS, colorTerms, CONJUNCTIONS, EXPRESSION_WORDS, FUNCTION_WORDS, isColorWord } from './vocab.ts';
import type { ImageTruth } from './truth.ts';

export interface ColorClaim {
  color: string;
  /** The COCO class the colour is attached to, or null when it describes something else (a squirrel, the sky). */
  cls: string | null;
}

export interface PositionClaim {
  /** The COCO class placed. */
  cls: string;
  place: FramePlace;
}

export interface ParsedCaption {
  /** Distinct COCO classes the caption names, in order of first mention. */
  objects: string[];
  colors: ColorClaim[];
  expressions: string[];
  quotes: string[];
  positions: PositionClaim[];
  words: number;
}

/**
 * Words that end the run of objects a position phrase places: "a dog and a cat on the left" places both,
 * "a man riding a horse, with a dog on the left" only the dog. Punctuation (a quote is blanked to a
 * comma) ends it too.
 */
const PLACE_RUN_BREAKS: ReadonlySet<string> = new Set(['with', 'while', 'where', 'which', 'who', 'that']);

function matchPhrase(tokens: Token[], i: number): Phrase | undefined {
  const t = tokens[i];
  if (!t || t.punct) return undefined;
  for (const p of PHRASES_BY_FIRST.get(t.text) ?? []) {
    if (p.tokens.every((w, k) => tokens[i + k] && !tokens[i + k]!.punct && tokens[i + k]!.text === w)) return p;
  }
  return undefined;
}

/** "orange" names the colour when a noun or another colour follows it: "an orange cat", "orange and black wings". */
function orangeIsColor(tokens: Token[], i: number): boolean {
  const next = tokens[i + 1];
  if (!next || next.punct) return false;
  if (isColorWord(next.text) || next.text === 'colored' || next.text === 'coloured') return true;
  if (CONJUNCTIONS.has(next.text)) {
    const after = tokens[i + 2];
    return !!after && !after.punct && (isColorWord(after.text) || COLOR_MODIFIERS.has(after.text));
  }
  return !FUNCTION_WORDS.has(next.text);
}

const EXPRESSION_STEM: Record<string, string> = { smile: 'smiling', smiles: 'smiling' };

/** Nouns an expression word may stand before and still be about a face ("a calm face", "a happy smile"). */
const FACE_NOUNS: ReadonlySet<string> = new Set(['face', 'faces', 'expression', 'expressions', 'smile', 'smiles', 'look', 'eyes']);

/**
 * Whether the expression word at i stands before a noun that is no person: "a calm lake", "happy hour",
 * "a smiling dog" say nothing about a readable human face, so they are not judged as expressions.
 * "a smiling man", "a man smiling at", "smiling and waving", "calm, serious" still are.
 */
function modifiesNonPerson(tokens: Token[], i: number): boolean {
  const next = tokens[i + 1];
  if (!next || next.punct || FUNCTION_WORDS.has(next.text) || CONJUNCTIONS.has(next.text)) return false;
  if (EXPRESSION_WORDS.has(next.text) || FACE_NOUNS.has(next.text) || next.text.endsWith('ly')) return false;
  return matchPhrase(tokens, i + 1)?.cls !== 'person';
}

export function parseCaption(caption: string): ParsedCaption {
  const { quotes, rest } = splitQuotes(caption);
  const tokens = tokenize(rest);
  const objects: string[] = [];
  const colors: ColorClaim[] = [];
  const expressions: string[] = [];
  const positions: PositionClaim[] = [];
  let lastMention: { cls: string; at: number } | undefined;
  // The objects named since the last break or position phrase: what the next position phrase places.
  let run: string[] = [];

  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i]!;
    if (t.punct || PLACE_RUN_BREAKS.has(t.text)) {
      run = [];
      i++;
      continue;
    }
    const place = matchPlace(tokens, i);
    if (place) {
      for (const cls of new Set(run)) positions.push({ cls, place: place.place });
      run = [];
      i += place.length;
      continue;
    }
    const phrase = matchPhrase(tokens, i);
    const colorHere =
      (isColorWord(t.text) && t.text !== 'orange') ||
      (t.text === 'orange' && orangeIsColor(tokens, i)) ||
      (COLOR_MODIFIERS.has(t.text) && tokens[i + 1] !== undefined && isColorWord(tokens[i + 1]!.text));
    if (phrase && !(phrase.cls === 'orange' && colorHere)) {
      if (phrase.cls) {
        if (!objects.includes(phrase.cls)) objects.push(phrase.cls);
        run.push(phrase.cls);
        lastMention = { cls: phrase.cls, at: i + phrase.tokens.length - 1 };
      }
      i += phrase.tokens.length;
      continue;
    }
    if (colorHere) {
      const run: string[] = [];
      let j = i;
      for (;;) {
        while (tokens[j] && COLOR_MODIFIERS.has(tokens[j]!.text)) j++;
        const c = tokens[j];
        if (!c || c.punct || !isColorWord(c.text)) break;
        run.push(c.text);
        j++;
        const conj = tokens[j];
        const after = tokens[j + 1];
        if (conj && CONJUNCTIONS.has(conj.text) && after && (isColorWord(after.text) || COLOR_MODIFIERS.has(after.text))) j++;
        else break;
      }
      if (tokens[j] && (tokens[j]!.text === 'colored' || tokens[j]!.text === 'coloured')) j++;
      const cls = colorHead(tokens, j) ?? colorAfterIn(tokens, i, lastMention);
      for (const color of run) colors.push({ color, cls });
      i = Math.max(j, i + 1);
      continue;
    }
    if (EXPRESSION_WORDS.has(t.text) && !modifiesNonPerson(tokens, i)) expressions.push(EXPRESSION_STEM[t.text] ?? t.text);
    i++;
  }
  return { objects, colors, expressions, quotes, positions, words: wordCount(caption) };
}

/** The class of the noun a colour run stands before: within two words, not past punctuation or a function word. */
function colorHead(tokens: Token[], j: number): string | null | undefined {
  for (let k = j; k < Math.min(tokens.length, j + 3); k++) {
    const t = tokens[k]!;
    if (t.punct || FUNCTION_WORDS.has(t.text)) return undefined;
    const p = matchPhrase(tokens, k);
    if (p) return p.cls;
    if (CLOTHING.has(t.text)) return 'person';
  }
  return undefined;
}

/** "a man in black", "a woman dressed in red": the colour is the person's. */
function colorAfterIn(tokens: Token[], i: number, last: { cls: string; at: number } | undefined): string | null {
  if (!last || last.cls !== 'person') return null;
  let k = i - 1;
  if (tokens[k]?.text !== 'in') return null;
  k--;
  if (tokens[k]?.text === 'dressed') k--;
  return k - last.at <= 2 && k >= last.at ? 'person' : null;
}

/**
 * Quote tolerance, per word: a quoted word is the image's word when their normalised edit distance is at
 * most this (case and punctuation are normalised away first). Per word, not over the whole quote, so one
 * misread word in a long sign ("Wivenioe -ark") is not diluted into "close enough"; 0.1 allows one
 * wrong letter in ten.
 */
export const QUOTE_DISTANCE = 0.1;

function wordsOf(text: string): string[] {
  return normalizeText(text).split(' ').filter(Boolean);
}

/** Same words in the same order (each within maxDistance), or the same letters once spaces are dropped ("NOPARKING"). */
function sameText(a: readonly string[], b: readonly string[], maxDistance: number): boolean {
  if (a.join('') === b.join('')) return true;
  return a.length === b.length && a.every((w, k) => normalizedDistance(w, b[k]!) <= maxDistance);
}

/** Some run of `words` is `target` (sameText), trying runs one word shorter and longer for split or joined words. */
function containsText(words: readonly string[], target: readonly string[], maxDistance: number): boolean {
  for (let len = Math.max(1, target.length - 1); len <= target.length + 1; len++) {
    for (let a = 0; a + len <= words.length; a++) if (sameText(words.slice(a, a + len), target, maxDistance)) return true;
  }
  return false;
}

/**
 * True when `quote` is one of the image's text lines, a contiguous part of one, or several consecutive
 * lines joined in the order listed (a sign read as one quote).
 */
export function textMatches(quote: string, lines: readonly string[], maxDistance = QUOTE_DISTANCE): boolean {
  const q = wordsOf(quote);
  if (!q.length) return true;
  for (let s = 0; s < lines.length; s++) {
    let joined: string[] = [];
    for (let e = s; e < lines.length && e < s + 8; e++) {
      joined = [...joined, ...wordsOf(lines[e]!)];
      if (containsText(joined, q, maxDistance)) return true;
    }
  }
  return false;
}

/** True when the caption (quotes included) states `line`: some run of its words is the line, as textMatches reads it. */
export function statesLine(caption: string, line: string, maxDistance = QUOTE_DISTANCE): boolean {
  const target = wordsOf(line);
  return target.length > 0 && containsText(wordsOf(caption), target, maxDistance);
}

/** One caption checked against one image's truth. Counts are over what could be judged (see ImageTruth). */
export interface CaptionScore {
  words: number;
  /** Distinct COCO classes named, without the image's "maybe" classes. */
  mentions: string[];
  hallucinated: string[];
  /** Colour words attached to a present object whose colours were annotated. */
  colorWords: number;
  wrongColors: ColorClaim[];
  /** null: the truth has no people annotation (a COCO instances file). */
  expressionWords: number | null;
  wrongExpressions: string[];
  /** null: the truth has no text annotation. */
  quotes: number | null;
  wrongQuotes: string[];
  objectsTrue: string[];
  objectsStated: string[];
  textTrue: string[] | null;
  textStated: string[];
  /** Position claims on present objects whose every instance is boxed in the truth. */
  positionClaims: number;
  /** Those no boxed instance fits, as "left on dog". */
  wrongPositions: string[];
}

export function scoreCaption(caption: string, truth: ImageTruth): CaptionScore {
  const parsed = parseCaption(caption);
  const mentions = parsed.objects.filter((c) => truth.objects.has(c) || !truth.maybe.has(c));
  const hallucinated = mentions.filter((c) => !truth.objects.has(c));

  let colorWords = 0;
  const wrongColors: ColorClaim[] = [];
  for (const claim of parsed.colors) {
    const trueColors = claim.cls ? truth.colors?.get(claim.cls) : undefined;
    if (!claim.cls || !truth.objects.has(claim.cls) || !trueColors?.length) continue;
    colorWords++;
    const allowed = new Set(trueColors.flatMap(colorTerms));
    if (!colorTerms(claim.color).some((t) => allowed.has(t))) wrongColors.push(claim);
  }

  let expressionWords: number | null = null;
  const wrongExpressions: string[] = [];
  if (truth.expressions) {
    const allowed = new Set(truth.expressions.map((e) => EXPRESSION_STEM[e] ?? e));
    expressionWords = parsed.expressions.length;
    for (const e of parsed.expressions) if (!allowed.has(e)) wrongExpressions.push(e);
  }

  let quotes: number | null = null;
  const wrongQuotes: string[] = [];
  if (truth.text) {
    const lines = [...truth.text, ...(truth.textMinor ?? [])];
    quotes = parsed.quotes.length;
    for (const q of parsed.quotes) if (!textMatches(q, lines)) wrongQuotes.push(q);
  }

  let positionClaims = 0;
  const wrongPositions: string[] = [];
  for (const claim of parsed.positions) {
    const centres = truth.centres?.get(claim.cls);
    if (!truth.objects.has(claim.cls) || !centres?.length) continue;
    positionClaims++;
    if (boxFitsNothing(claim.place, centres)) wrongPositions.push(`${placeName(claim.place)} on ${claim.cls}`);
  }

  const objectsTrue = [...truth.objects];
  return {
    words: parsed.words,
    mentions,
    hallucinated,
    colorWords,
    wrongColors,
    expressionWords,
    wrongExpressions,
    quotes,
    wrongQuotes,
    objectsTrue,
    objectsStated: objectsTrue.filter((c) => parsed.objects.includes(c)),
    textTrue: truth.text ? [...truth.text] : null,
    textStated: truth.text ? truth.text.filter((l) => statesLine(caption, l)) : [],
    positionClaims,
    wrongPositions,
  };
}
