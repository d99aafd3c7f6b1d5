/**
 * The grounded grammar fuser: a deterministic rewrite of the original caption that states only what its
 * inputs state. It
 *   1. attaches colours and person attributes to the nouns the caption already has ("a dog" → "a black
 *      dog", "a man" → "a smiling man in blue"), fixing the article;
 *   2. makes a sign or text noun say what it reads ("a sign that reads "NO ENTRY""), unless the caption
 *      already says those words ("a stop sign" needs no "STOP");
 *   3. adds the objects the caption does not mention, grouped by count, with colour and position
 *      ("two white horses on the left").
 * Every word it adds comes from the lexicon the grounding check reads, so its output always checks out.
 */
import type { FuseFacts, ObjectGroup, ObjectMember, TextBlock } from './facts.ts';
import { normalizeText, saysWords } from './grounding.ts';
import { conceptsCompatible, indefiniteArticle, nounOfConcept, NUMBER_WORDS, numberWord } from '../../lib/language/lexicon.ts';
import { type NounMention, type Token, parseNounMentions, tokenize } from '../../lib/language/mentions.ts';

// 6: the text facts changed (facts.ts: sure reads skip the word check, blocks split at letter size).
// 7: the caption's own nouns may get their side (placeMentioned); text the caption already says is not
// quoted; a detected carrier ("a book") reads only the text printed inside its box.
// 8: a sign line that is not stated splits the sign's text (facts.ts), so no quote skips a line.
export const GROUNDED_FUSER = { id: 'fusecap/grounded-fuser', version: '8' } as const;

export interface GroundedOptions {
  /** At most this many unmentioned object groups are added. */
  maxAddedGroups?: number;
  /**
   * A noun the caption has gets its frame side too ("a dog" → "a dog on the left"), when the objects it
   * names share one off-centre place. "In the center" is not added: a caption's subject mostly is.
   * On unless false, as `fuse.placeMentioned`.
   */
  placeMentioned?: boolean;
}

/** Concepts that carry text, in order of preference for attaching what OCR read. */
const TEXT_CARRIERS = ['stop sign', 'sign', 'text'];
const TEXT_CARRIER_LEMMAS = new Set(['page', 'paper', 'book', 'shirt', 'flag', 'shop', 'store', 'bakery']);

/** Ages a noun already implies: "a young child" says nothing new. */
const AGED_NOUNS = new Set(['child', 'kid', 'baby', 'toddler', 'boy', 'girl', 'teenager']);

export function groundedFuse(original: string, facts: FuseFacts, options: GroundedOptions = {}): string {
  const tokens = tokenize(original);
  if (!tokens.some((t) => t.kind === 'word')) throw new Error('grounded fuser: the original caption has no words');
  const mentions = parseNounMentions(tokens);
  const maxAdded = options.maxAddedGroups ?? 4;

  // Token index → words inserted before / after it. Insertions never reorder the original's tokens.
  const before = new Map<number, string[]>();
  const after = new Map<number, string[]>();
  const articleFix = new Map<number, number>(); // article token → token whose first word decides a/an
  const covered = new Set<ObjectGroup>();
  const placed = new Set<ObjectGroup>(); // a group's side is said once

  for (const m of mentions) {
    if (m.concept === null) continue;
    const groups = facts.groups.filter((g) => conceptsCompatible(m.concept!, g.concept));
    for (const g of groups) covered.add(g);
    // Describe only when the noun picks out one group: "an animal" next to a dog and a horse does not.
    if (groups.length !== 1) continue;
    const mayCount = !hasQuantifier(tokens, m.start) && countFitsBefore(tokens, m, mentions);
    const words = describeMention(m, groups[0], facts, mayCount);
    if ((options.placeMentioned ?? true) && facts.ablation.attributes && !placed.has(groups[0])) {
      const place = placeOfMention(tokens, m, groups[0], mentions);
      if (place.length) placed.add(groups[0]);
      words.post.push(...place);
    }
    // Colours go before a proper-name modifier, not inside it: "an Inca tern" → "a gray Inca tern".
    const preAt = words.pre.length && !words.lead.length ? properModifierStart(tokens, m) : m.nounStart;
    const phraseStart = Math.min(m.start, preAt);
    if (words.lead.length) before.set(m.start, [...(before.get(m.start) ?? []), ...words.lead]);
    if (words.pre.length) before.set(preAt, [...(before.get(preAt) ?? []), ...words.pre]);
    const det = phraseStart - 1;
    if ((words.lead.length || words.pre.length) && det >= 0 && (tokens[det].lower === 'a' || tokens[det].lower === 'an')) {
      articleFix.set(det, phraseStart);
    }
    if (words.post.length) after.set(m.end - 1, [...(after.get(m.end - 1) ?? []), ...words.post]);
  }

  // Text the original already quotes, or says in its own words ("no parking signs", "the word Produkt"),
  // is not quoted a second time: "no parking signs that read "NO PARKING"" tells nothing new.
  const said = normalizeText(original);
  const texts = facts.ablation.ocr ? facts.texts.filter((t) => !saysWords(said, t.text)) : [];
  // What is left to state of the text after a carrier took what is printed on it.
  let unplaced = texts;
  let textPlaced = texts.length === 0;
  if (!textPlaced) {
    const carrier = findTextCarrier(mentions);
    if (carrier) {
      const carried = carriedTexts(
        texts,
        carrier.concept === null ? [] : facts.groups.filter((g) => conceptsCompatible(carrier.concept!, g.concept)),
      );
      if (carried.length) {
        const at = carrier.end - 1;
        after.set(at, [...(after.get(at) ?? []), readsClause(carried, carrier.plural || (carrier.count ?? 1) > 1)]);
        unplaced = texts.filter((t) => !carried.includes(t));
      }
      textPlaced = unplaced.length === 0;
    }
  }

  const added: string[] = [];
  if (facts.ablation.objects) {
    const phrases: { text: string; where: string | null }[] = [];
    for (const g of facts.groups) {
      if (phrases.length >= maxAdded) break;
      if (covered.has(g) || !g.mayIntroduce) continue;
      const phrase = describeNewGroup(g, facts.ablation.attributes);
      const carried = !textPlaced && TEXT_CARRIERS.some((c) => conceptsCompatible(c, g.concept)) ? carriedTexts(unplaced, [g]) : [];
      if (carried.length) {
        // The reads-clause must stay next to its noun, so this phrase keeps its own position.
        phrase.text += (phrase.where ? ' ' + phrase.where : '') + ' ' + readsClause(carried, g.count > 1);
        phrase.where = null;
        unplaced = unplaced.filter((t) => !carried.includes(t));
        textPlaced = unplaced.length === 0;
      }
      phrases.push(phrase);
    }
    added.push(...mergeByPosition(phrases));
  }

  // Text with nothing in the caption to carry it is stated as such, last.
  if (!textPlaced) added.push(`the text ${quoteList(unplaced)}`);

  let out = render(tokens, before, after, articleFix);
  const finalPunct = /[.!?]$/.test(out) ? out.slice(-1) : '';
  if (finalPunct) out = out.slice(0, -1);
  if (added.length) {
    // A second "with" would read as a repetition: "a barn with a fence, along with two horses".
    const hasWith = tokens.some((t) => t.lower === 'with');
    out += `${hasWith ? ', along with' : ', with'} ${joinList(added)}`;
  }
  return out + finalPunct;
}

/**
 * Where words put before a noun go when capitalised words stand right in front of it ("an Inca tern",
 * "a Coca-Cola bottle", "a German shepherd"): before them, since they are part of the name. Only when
 * the caption put no modifier of its own there.
 */
function properModifierStart(tokens: Token[], m: NounMention): number {
  if (m.start !== m.nounStart) return m.nounStart;
  let j = m.nounStart;
  while (j - 1 >= 0 && tokens[j - 1].kind === 'word' && /^[A-Z]/.test(tokens[j - 1].text) && !isNotName(tokens[j - 1].lower)) j--;
  // Back to the first word, a capital may be the sentence's: "Wooden boats", and render() would lower
  // a name's capital there ("Gray inca terns"), so the words stay at the noun.
  return j === 0 ? m.nounStart : j;
}

/**
 * Capitalised words that are not names at a sentence's start: articles and demonstratives, the
 * quantifiers and number words the count rules already know, and "Close" of "Close up of …".
 */
function isNotName(word: string): boolean {
  return ARTICLES.has(word) || QUANTIFIERS.has(word) || Object.hasOwn(NUMBER_WORDS, word);
}
const ARTICLES = new Set(['a', 'an', 'the', 'this', 'that', 'close']);

/** Words that already say how many: "some horses", "a pair of horses", "lots of kites" take no count. */
const QUANTIFIERS = new Set([
  'some',
  'many',
  'several',
  'few',
  'various',
  'multiple',
  'numerous',
  'these',
  'those',
  'lots',
  'lot',
  'dozens',
  'dozen',
  'all',
  'both',
  'other',
  'more',
  'no',
  'pair',
  'couple',
  'trio',
  'number',
  'plenty',
  'full', // "a field full of people": many, not "full of fourteen people"
]);

function hasQuantifier(tokens: Token[], start: number): boolean {
  const prev = tokens[start - 1]?.lower;
  if (prev === undefined) return false;
  return QUANTIFIERS.has(prev) || (prev === 'of' && QUANTIFIERS.has(tokens[start - 2]?.lower ?? ''));
}

/**
 * Words after which a number opens a noun phrase: "of / with / the horses" → "of / with / the five
 * horses". After any other word the phrase may already have begun with modifiers this shallow parser
 * does not know ("wooden rowing boats"), where a number in front of the noun would read "wooden rowing
 * five boats"; then no count is added at all.
 */
const COUNT_OPENERS = new Set([
  'the',
  'of',
  'with',
  'and',
  'or',
  'but',
  'on',
  'in',
  'at',
  'over',
  'under',
  'near',
  'by',
  'beside',
  'behind',
  'between',
  'among',
  'from',
  'to',
  'into',
  'onto',
  'across',
  'along',
  'around',
  'through',
  'past',
  'above',
  'below',
  'against',
  'toward',
  'towards',
  'inside',
  'outside',
  'without',
  'like',
  'as',
  'than',
  'for',
  'are',
  'were',
  'while',
  'where',
]);

function countFitsBefore(tokens: Token[], m: NounMention, mentions: NounMention[]): boolean {
  const prev = tokens[m.start - 1];
  if (!prev || prev.kind !== 'word') return true; // the caption's or a clause's first words
  if (COUNT_OPENERS.has(prev.lower)) return true;
  // A word right after another noun phrase is most likely its verb: "a man feeding pigeons".
  return mentions.some((other) => other !== m && other.end === m.start - 1);
}

function describeMention(
  m: NounMention,
  g: ObjectGroup,
  facts: FuseFacts,
  mayCount: boolean,
): { lead: string[]; pre: string[]; post: string[] } {
  const lead: string[] = [];
  const pre: string[] = [];
  const post: string[] = [];
  const single = !m.plural && (m.count === null || m.count === 1);
  // A plural noun without a number gets the detector's count ("horses" → "five horses"), unless a
  // quantifier already stands there ("some horses") or a number would not open the phrase (countFitsBefore).
  if (!single && m.count === null && mayCount && g.count > 1 && g.mayIntroduce && facts.ablation.objects) {
    lead.push(numberWord(g.count));
  }
  if (!facts.ablation.attributes) return { lead, pre, post };
  // For a singular noun naming one of several detections, only what all of them share is safe to say.
  const colors = m.colors.length ? [] : sharedColors(g.members, single || g.concept === 'person' ? 1 : 3);
  if (g.concept === 'person') {
    const adjectives = sharedPersonAdjectives(g.members).filter(
      (a) => !m.adjectives.includes(a) && !(a === 'young' && AGED_NOUNS.has(m.lemma)),
    );
    pre.push(...adjectives);
    if (colors.length) post.push('in', colors[0]);
  } else if (colors.length) {
    pre.push(joinList(colors));
  }
  return { lead, pre, post };
}

/** Words that, after "on / at / in / to the", say the caption already places the noun. */
const PLACE_WORDS = new Set(['left', 'right', 'top', 'bottom', 'upper', 'lower', 'center', 'centre', 'middle', 'front', 'back']);

/**
 * The side a mentioned noun's objects share, as words after the noun ("on the left"), or none: not for
 * the center, not inside a compound noun or before "of" ("a pickup truck", "a cup of coffee" stay whole),
 * and not where the caption already says where the noun is.
 */
function placeOfMention(tokens: Token[], m: NounMention, g: ObjectGroup, mentions: NounMention[]): string[] {
  const position = sharedPosition(g.members);
  if (!position || position === 'center') return [];
  // Another noun right after this one makes a compound ("a pickup truck"): the place goes after the last.
  if (mentions.some((other) => other.start === m.end)) return [];
  const next = tokens[m.end];
  if (next?.lower === 'of' || next?.lower === "'s") return [];
  if (
    next &&
    ['on', 'at', 'in', 'to'].includes(next.lower) &&
    tokens[m.end + 1]?.lower === 'the' &&
    PLACE_WORDS.has(tokens[m.end + 2]?.lower ?? '')
  ) {
    return [];
  }
  return positionPhrase(position).split(' ');
}

/** Dominant colours every member agrees on; for plural nouns up to `max` distinct dominant colours. */
function sharedColors(members: ObjectMember[], max: number): string[] {
  const dominant = members.map((m) => m.colors[0]?.name ?? null);
  if (dominant.some((c) => c === null)) return [];
  const distinct = [...new Set(dominant as string[])];
  return distinct.length <= max ? distinct : [];
}

function sharedPersonAdjectives(members: ObjectMember[]): string[] {
  const [first, ...rest] = members;
  if (!first) return [];
  return first.personAdjectives.filter((a) => rest.every((m) => m.personAdjectives.includes(a)));
}

/** The phrase for an object the caption does not mention, and where it is ("on the left") if known. */
function describeNewGroup(g: ObjectGroup, withAttributes: boolean): { text: string; where: string | null } {
  const noun = nounOfConcept(g.concept, g.count);
  const words: string[] = [];
  let post = '';
  if (withAttributes) {
    const colors = sharedColors(g.members, 1);
    if (g.concept === 'person') {
      words.push(...sharedPersonAdjectives(g.members));
      if (colors.length) post = ` in ${colors[0]}`;
    } else if (colors.length) {
      words.push(colors[0]);
    }
  }
  words.push(noun);
  const lead = g.count === 1 ? indefiniteArticle(words[0]) : numberWord(g.count);
  const position = withAttributes ? sharedPosition(g.members) : null;
  return { text: `${lead} ${words.join(' ')}${post}`, where: position ? positionPhrase(position) : null };
}

/**
 * Objects in the same place share one position phrase: "a gray cow and a gray sheep on the right",
 * not "a gray cow on the right and a gray sheep on the right". Order follows the first of each place.
 */
function mergeByPosition(phrases: { text: string; where: string | null }[]): string[] {
  const out: string[] = [];
  const done = new Set<number>();
  phrases.forEach((p, i) => {
    if (done.has(i)) return;
    if (!p.where) {
      out.push(p.text);
      return;
    }
    const same = phrases.map((q, j) => (j >= i && q.where === p.where ? j : -1)).filter((j) => j >= 0);
    for (const j of same) done.add(j);
    out.push(`${joinList(same.map((j) => phrases[j].text))} ${p.where}`);
  });
  return out;
}

function sharedPosition(members: ObjectMember[]): string | null {
  const first = members[0]?.position ?? null;
  return first && members.every((m) => m.position === first) ? first : null;
}

/** "top left" → "at the top left", "middle left" / "left" → "on the left", "center" → "in the center". */
export function positionPhrase(position: string): string {
  const words = position.toLowerCase().split(/[\s-]+/);
  const vertical = words.includes('top') ? 'top' : words.includes('bottom') ? 'bottom' : null;
  const horizontal = words.includes('left') ? 'left' : words.includes('right') ? 'right' : null;
  if (vertical && horizontal) return `at the ${vertical} ${horizontal}`;
  if (vertical) return `at the ${vertical}`;
  if (horizontal) return `on the ${horizontal}`;
  return 'in the center';
}

/**
 * The texts printed on a carrier: when the detector found the carrier ("a book"), only the blocks whose
 * centre lies in one of its boxes ("Casbah" on a food packet beside the book is not the book's); when it
 * did not ("a sign", which COCO has no class for, or the objects ablated), all of them.
 */
function carriedTexts(texts: TextBlock[], groups: ObjectGroup[]): TextBlock[] {
  const boxes = groups.flatMap((g) => g.members.flatMap((m) => (m.box ? [m.box] : [])));
  if (!boxes.length) return texts;
  return texts.filter((t) => !t.box || boxes.some((b) => containsPoint(b, t.box!.x + t.box!.width / 2, t.box!.y + t.box!.height / 2)));
}

function containsPoint(b: { x: number; y: number; width: number; height: number }, x: number, y: number): boolean {
  return x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
}

function findTextCarrier(mentions: NounMention[]): NounMention | null {
  for (const concept of TEXT_CARRIERS) {
    const m = mentions.find((x) => x.concept === concept);
    if (m) return m;
  }
  return mentions.find((x) => TEXT_CARRIER_LEMMAS.has(x.lemma)) ?? null;
}

function readsClause(texts: TextBlock[], plural: boolean): string {
  return `that ${plural ? 'read' : 'reads'} ${quoteList(texts)}`;
}

function quoteList(texts: TextBlock[]): string {
  return joinList(texts.map((t) => `"${t.text}"`));
}

function joinList(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Re-joins tokens with insertions; punctuation attaches to the word before it, quotes are re-quoted. */
function render(tokens: Token[], before: Map<number, string[]>, after: Map<number, string[]>, articleFix: Map<number, number>): string {
  const parts: string[] = [];
  const opening = before.get(0);
  if (opening?.length && tokens[0].kind === 'word' && /^[A-Z][a-z]/.test(tokens[0].text)) {
    // Words put in front of the caption's first word take over its capital: "Birds flying" → "Ten birds
    // flying", not "ten Birds flying". A capital inside a word ("McDonald") or all capitals stay.
    // A copy: the caller's map stays as it built it.
    before = new Map(before).set(0, [capitalize(opening[0]), ...opening.slice(1)]);
    tokens = [{ ...tokens[0], text: tokens[0].text[0].toLowerCase() + tokens[0].text.slice(1) }, ...tokens.slice(1)];
  }
  tokens.forEach((t, i) => {
    const pre = before.get(i);
    if (pre) parts.push(...pre);
    let text = t.kind === 'quote' ? `"${t.text}"` : t.text;
    const decider = articleFix.get(i);
    if (decider !== undefined) {
      const next = before.get(decider)?.[0] ?? tokens[decider].text;
      const article = indefiniteArticle(next.split(' ')[0]);
      text = t.text[0] === 'A' ? article[0].toUpperCase() + article.slice(1) : article;
    }
    if (t.kind === 'punct' && /[.,;:!?)]/.test(t.text) && parts.length) parts[parts.length - 1] += text;
    else parts.push(text);
    const post = after.get(i);
    if (post) parts.push(...post);
  });
  return parts.join(' ');
}

function capitalize(words: string): string {
  return words.charAt(0).toUpperCase() + words.slice(1);
}
