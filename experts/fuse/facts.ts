/**
 * What the experts saw, reduced to the facts a fuser may state: object groups (one per concept, with
 * count, colours, position and person attributes) and text blocks. Ablation is applied here, once, so
 * every backend, the serializer and the grounding check see exactly the same allowed inputs.
 */
import type { AttributesOutput, Box, DetectOutput, OcrLine, OcrOutput } from '../types.ts';
import { AGE_ADJECTIVES, EXPRESSION_ADJECTIVES, baseColor, conceptOfLabel } from '../../lib/language/lexicon.ts';
import { englishWords, onlyFunctionWords, readsAsText } from './text-check.ts';
import { SURE_TEXT_CONFIDENCE } from './text-defaults.ts';

export interface Ablation {
  objects: boolean;
  attributes: boolean;
  ocr: boolean;
}

export interface ObjectMember {
  score: number;
  areaShare: number;
  /** Colour names as the attribute expert wrote them, dominant first, with their pixel share. */
  colors: { name: string; share: number }[];
  size: string | null;
  position: string | null;
  /** Adjectives the fuser may write for a person ("smiling", "young"). */
  personAdjectives: string[];
  /** The detection's box in image pixels (absent when only the attribute expert named the object). */
  box?: Box;
}

export interface ObjectGroup {
  label: string;
  concept: string;
  count: number;
  members: ObjectMember[]; // most salient first
  salience: number;
  /**
   * False when the group comes only from the attribute expert while objects are ablated: its colours
   * may describe nouns the caption already has, but it must not add objects or counts.
   */
  mayIntroduce: boolean;
}

export interface TextBlock {
  text: string;
  confidence: number;
  /** The block's lines' union box in image pixels: which object the text is printed on. */
  box?: Box;
}

export interface FuseFacts {
  ablation: Ablation;
  groups: ObjectGroup[]; // most salient first
  texts: TextBlock[]; // reading order
  /** OCR lines not stated, with why: low_confidence, too_short, repeated, cut_off_copy, not_words: … */
  droppedTexts: { text: string; reason: string }[];
  /** Objects whose colours are not stated, with why: too_small (a box side under minColorSide), see_through. */
  droppedColors: { object: string; colors: string[]; reason: string }[];
}

export interface ExpertOutputs {
  detect?: DetectOutput | null;
  attributes?: AttributesOutput | null;
  ocr?: OcrOutput | null;
}

export interface FactOptions {
  /** OCR lines below this confidence are not stated. */
  minTextConfidence?: number;
  /** At most this many text blocks are stated. */
  maxTextBlocks?: number;
  /** A block longer than this many words (a page of text) is quoted up to here, marked "…". */
  maxTextWords?: number;
  /** Quote only lines that read as text (text-check.ts); default true. */
  checkText?: boolean;
  /** A line read at or above this confidence is quoted without the word check (names, brands); default 0.99. */
  sureTextConfidence?: number;
  /** State no colour for an object whose box is narrower or lower than this many pixels; default 24. */
  minColorSide?: number;
}

/** Colours covering less of an object's pixels than this are not stated for it. */
const MIN_COLOR_SHARE = 0.15;

/**
 * Boxes under this side are too few pixels to name a colour from. Chosen on the truth set's tuning half:
 * the ten birds over palace.jpg (6–16 px) were all named gray or dark blue (they are black); no colour
 * on a box of 97 px or more was wrong for its size.
 */
export const DEFAULT_MIN_COLOR_SIDE = 24;

/** Objects whose pixels are mostly what is behind or inside them: a wine glass has no colour of its own. */
const SEE_THROUGH = new Set(['wine glass']);

export function buildFacts(experts: ExpertOutputs, ablation: Ablation, options: FactOptions = {}): FuseFacts {
  const droppedColors: FuseFacts['droppedColors'] = [];
  const colorsOf = statedColors(experts.detect ?? null, options.minColorSide ?? DEFAULT_MIN_COLOR_SIDE, droppedColors);
  const groups = ablation.objects || ablation.attributes ? buildGroups(experts, ablation, colorsOf) : [];
  const droppedTexts: FuseFacts['droppedTexts'] = [];
  const texts = ablation.ocr && experts.ocr ? buildTextBlocks(experts.ocr.lines, options, droppedTexts) : [];
  return { ablation: { ...ablation }, groups, texts, droppedTexts, droppedColors: ablation.attributes ? droppedColors : [] };
}

type ColorsOf = (label: string, objectIndex: number, colors: { name: string; share: number }[]) => { name: string; share: number }[];

/** The colours a fuser may state for one object: reliable ones, on an object big and opaque enough. */
function statedColors(detect: DetectOutput | null, minSide: number, dropped: FuseFacts['droppedColors']): ColorsOf {
  return (label, objectIndex, colors) => {
    const reliable = colors.filter((c) => c.share >= MIN_COLOR_SHARE && baseColor(c.name) !== null);
    if (!reliable.length) return reliable;
    const box = detect?.objects[objectIndex]?.box;
    const reason = SEE_THROUGH.has(label) ? 'see_through' : box && Math.min(box.width, box.height) < minSide ? 'too_small' : null;
    if (!reason) return reliable;
    dropped.push({ object: label, colors: reliable.map((c) => c.name), reason });
    return [];
  };
}

function buildGroups(experts: ExpertOutputs, ablation: Ablation, colorsOf: ColorsOf): ObjectGroup[] {
  const detect = ablation.objects ? (experts.detect ?? null) : null;
  const attributes = ablation.attributes ? (experts.attributes ?? null) : null;
  const members: { label: string; member: ObjectMember }[] = [];
  if (detect) {
    const byIndex = new Map((attributes?.objects ?? []).map((a) => [a.objectIndex, a]));
    const imageArea = Math.max(1, detect.imageWidth * detect.imageHeight);
    detect.objects.forEach((object, index) => {
      const attrs = byIndex.get(index);
      members.push({
        label: object.label,
        member: {
          score: object.score,
          areaShare: attrs?.areaShare ?? boxArea(object.box) / imageArea,
          colors: attrs ? colorsOf(object.label, index, attrs.colors) : [],
          size: attrs?.size ?? null,
          position: attrs?.position ?? null,
          personAdjectives: attrs?.person ? personAdjectives(attrs.person) : [],
          box: { ...object.box },
        },
      });
    });
  } else if (attributes) {
    for (const attrs of attributes.objects) {
      members.push({
        label: attrs.label,
        member: {
          score: 1,
          areaShare: attrs.areaShare,
          colors: colorsOf(attrs.label, attrs.objectIndex, attrs.colors),
          size: attrs.size,
          position: attrs.position,
          personAdjectives: attrs.person ? personAdjectives(attrs.person) : [],
        },
      });
    }
  }
  const byConcept = new Map<string, ObjectGroup>();
  for (const { label, member } of members) {
    const concept = conceptOfLabel(label);
    if (!concept) continue; // a label outside the vocabulary cannot be phrased or checked
    let group = byConcept.get(concept);
    if (!group) {
      group = { label, concept, count: 0, members: [], salience: 0, mayIntroduce: detect !== null };
      byConcept.set(concept, group);
    }
    group.count++;
    group.members.push(member);
  }
  for (const group of byConcept.values()) {
    group.members.sort((a, b) => salienceOf(b) - salienceOf(a));
    group.salience = salienceOf(group.members[0]);
  }
  return [...byConcept.values()].sort((a, b) => b.salience - a.salience || a.concept.localeCompare(b.concept));
}

/** Big, confident objects first: what a person describing the picture would name first. */
function salienceOf(m: ObjectMember): number {
  return Math.sqrt(m.areaShare) * m.score;
}

function boxArea(box: Box): number {
  return Math.max(0, box.width) * Math.max(0, box.height);
}

function personAdjectives(person: { ageGroup?: string; expression?: string }): string[] {
  const out: string[] = [];
  const age = person.ageGroup ? AGE_ADJECTIVES[person.ageGroup.toLowerCase()] : undefined;
  if (age) out.push(age);
  const expression = person.expression ? EXPRESSION_ADJECTIVES[person.expression.toLowerCase()] : undefined;
  if (expression) out.push(expression);
  return out;
}

/**
 * Lines that sit directly under each other and overlap horizontally belong to one sign or paragraph
 * ("FRESH BREAD" / "OPEN DAILY"); they are stated as one quoted text.
 */
function buildTextBlocks(lines: OcrLine[], options: FactOptions, dropped: FuseFacts['droppedTexts']): TextBlock[] {
  const minConfidence = options.minTextConfidence ?? 0.8;
  const maxBlocks = options.maxTextBlocks ?? 3;
  const words = (options.checkText ?? true) ? englishWords() : null;
  const sure = options.sureTextConfidence ?? SURE_TEXT_CONFIDENCE;
  const seen = new Set<string>();
  const confident = lines.filter((l) => l.confidence >= minConfidence).map((l) => cleanText(l.text).toLowerCase());
  const dropsLine = (l: OcrLine): boolean => {
    const text = cleanText(l.text);
    const key = text.toLowerCase().replace(/[^a-z0-9]/g, '');
    const verdict = words ? readsAsText(text, words) : { ok: true as const };
    let reason: string | null = null;
    if (l.confidence < minConfidence) reason = 'low_confidence';
    // A single character is more often noise than a word worth quoting; so are loose characters side
    // by side (a puzzle grid's "9 3", keys of a keyboard): true, but a caption quoting them says nothing.
    else if (key.length < 2) reason = 'too_short';
    else if (text.split(/\s+/).every((t) => t.replace(/[^A-Za-z0-9]/g, '').length <= 1)) reason = 'single_characters';
    // The same sign twice in one photo is one text to state ("NO PARKING", not "NO PARKING" and "NO PARKING").
    else if (seen.has(key)) reason = 'repeated';
    // A copy of a sign cut off mid-word, read beside the whole one ("COMP" beside "COMPUTER"): the
    // fragment is not a text of its own, and quoted it is not one the photo shows.
    else if (isCutOffCopy(text.toLowerCase(), confident)) reason = 'cut_off_copy';
    // A name or brand is no English word ("SANYO", "COMO HOPPER"); read this surely it is what is printed.
    else if (!verdict.ok && l.confidence < sure) reason = verdict.reason;
    else if (words && onlyFunctionWords(text)) reason = 'function_words_only';
    if (reason) {
      dropped.push({ text, reason });
      return true;
    }
    seen.add(key);
    return false;
  };
  const maxWords = options.maxTextWords ?? 8;
  // `closed`: a line of this block was not stated, so no later line may join the quote; `more`: lines
  // after that one belong to the block but are not quoted.
  const blocks: { lines: OcrLine[]; box: Box; lineHeight: number; closed: boolean; more: boolean }[] = [];
  for (const line of lines) {
    const last = blocks[blocks.length - 1];
    const continues = last !== undefined && continuesBlock(last, line.box);
    if (dropsLine(line)) {
      // A line of the same sign that is not stated ends the run: joining the lines around it would quote
      // words the sign never prints side by side ("Sports Centre" / misread "Wivenhoe Park" / "Conference
      // Centre" is two texts, not "Sports Centre Conference Centre").
      if (continues) last.closed = true;
    } else if (continues && !last.closed) {
      last.lines.push(line);
      last.box = unionBox(last.box, line.box);
      last.lineHeight = line.box.height;
    } else if (continues && wordsIn(last.lines) >= maxWords) {
      // A paragraph whose quote is cut at maxWords already: its lines past the gap are more of the same
      // text, not a second one to quote.
      last.box = unionBox(last.box, line.box);
      last.lineHeight = line.box.height;
      last.more = true;
    } else {
      blocks.push({ lines: [line], box: { ...line.box }, lineHeight: line.box.height, closed: false, more: false });
    }
  }
  return blocks.slice(0, maxBlocks).map((b) => ({
    text: boundedText(
      b.lines.map((l) => cleanText(l.text)),
      maxWords,
      b.more,
    ),
    confidence: Math.min(...b.lines.map((l) => l.confidence)),
    box: b.box,
  }));
}

/** `text` is the start of another line, ending inside one of its words. */
function isCutOffCopy(text: string, others: readonly string[]): boolean {
  return others.some((o) => o.length > text.length && o.startsWith(text) && /[a-z0-9]/.test(o[text.length]) && /[a-z0-9]$/.test(text));
}

function wordsIn(lines: readonly OcrLine[]): number {
  return lines.reduce((n, l) => n + cleanText(l.text).split(' ').length, 0);
}

/**
 * Whole lines while they fit in maxWords (a title stays whole); else the first maxWords words. "…" marks
 * a text that goes on: cut here, or followed by lines not quoted (`more`).
 */
function boundedText(lines: string[], maxWords: number, more = false): string {
  const kept: string[] = [];
  let words = 0;
  for (const line of lines) {
    const n = line.split(' ').length;
    if (words + n > maxWords) break;
    kept.push(line);
    words += n;
  }
  if (kept.length === lines.length) return kept.join(' ') + (more ? '…' : '');
  if (kept.length > 0) return kept.join(' ') + '…';
  return lines[0].split(' ').slice(0, maxWords).join(' ') + '…';
}

/**
 * Lines of one sign or paragraph share a letter size; stacked labels of two things do not ("Casbah" 30 px
 * over "BASMATI" 52 px on two packets, box_scene.jpg, tuning half). Sign lines there differ by ≤ 1.3×.
 */
const MAX_BLOCK_HEIGHT_RATIO = 1.5;

function continuesBlock(block: { box: Box; lineHeight: number }, line: Box): boolean {
  const lineHeight = Math.max(1, line.height);
  const gap = line.y - (block.box.y + block.box.height);
  const overlap = Math.min(block.box.x + block.box.width, line.x + line.width) - Math.max(block.box.x, line.x);
  const ratio = Math.max(lineHeight, block.lineHeight) / Math.max(1, Math.min(lineHeight, block.lineHeight));
  return gap < lineHeight && gap > -lineHeight / 2 && overlap > 0 && ratio <= MAX_BLOCK_HEIGHT_RATIO;
}

function unionBox(a: Box, b: Box): Box {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, width: Math.max(a.x + a.width, b.x + b.width) - x, height: Math.max(a.y + a.height, b.y + b.height) - y };
}

/** Quotes inside OCR text would break the caption's quoting; whitespace runs collapse. */
export function cleanText(text: string): string {
  return text.replace(/["“”]/g, "'").replace(/\s+/g, ' ').trim();
}
