/**
 * What the experts saw, reduced to the facts a fuser may state: object groups (one per concept, with
 * count, colours, position and person attributes) and text blocks. Ablation is applied here, once, so
 * every backend, the serializer and the grounding check see exactly the same allowed inputs.
 */
import type { AttributesOutput, Box, DetectOutput, OcrLine, OcrOutput } from '../types.ts';
import { AGE_ADJECTIVES, EXPRESSION_ADJECTIVES, baseColor, conceptOfLabel } from '../../lib/language/lexicon.ts';

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
}

export interface FuseFacts {
  ablation: Ablation;
  groups: ObjectGroup[]; // most salient first
  texts: TextBlock[]; // reading order
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
}

/** Colours covering less of an object's pixels than this are not stated for it. */
const MIN_COLOR_SHARE = 0.15;

export function buildFacts(experts: ExpertOutputs, ablation: Ablation, options: FactOptions = {}): FuseFacts {
  const groups = ablation.objects || ablation.attributes ? buildGroups(experts, ablation) : [];
  const texts = ablation.ocr && experts.ocr ? buildTextBlocks(experts.ocr.lines, options) : [];
  return { ablation: { ...ablation }, groups, texts };
}

function buildGroups(experts: ExpertOutputs, ablation: Ablation): ObjectGroup[] {
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
          colors: attrs ? reliableColors(attrs.colors) : [],
          size: attrs?.size ?? null,
          position: attrs?.position ?? null,
          personAdjectives: attrs?.person ? personAdjectives(attrs.person) : [],
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
          colors: reliableColors(attrs.colors),
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

function reliableColors(colors: { name: string; share: number }[]): { name: string; share: number }[] {
  return colors.filter((c) => c.share >= MIN_COLOR_SHARE && baseColor(c.name) !== null);
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
function buildTextBlocks(lines: OcrLine[], options: FactOptions): TextBlock[] {
  const minConfidence = options.minTextConfidence ?? 0.8;
  const maxBlocks = options.maxTextBlocks ?? 3;
  // A single character is more often noise than a word worth quoting.
  const kept = lines.filter((l) => l.confidence >= minConfidence && cleanText(l.text).replace(/[^A-Za-z0-9]/g, '').length >= 2);
  const blocks: { lines: OcrLine[]; box: Box }[] = [];
  for (const line of kept) {
    const last = blocks[blocks.length - 1];
    if (last && continuesBlock(last.box, line.box)) {
      last.lines.push(line);
      last.box = unionBox(last.box, line.box);
    } else {
      blocks.push({ lines: [line], box: { ...line.box } });
    }
  }
  const maxWords = options.maxTextWords ?? 8;
  return blocks.slice(0, maxBlocks).map((b) => ({
    text: boundedText(
      b.lines.map((l) => cleanText(l.text)),
      maxWords,
    ),
    confidence: Math.min(...b.lines.map((l) => l.confidence)),
  }));
}

/** Whole lines while they fit in maxWords (a title stays whole); else the first maxWords words. */
function boundedText(lines: string[], maxWords: number): string {
  const kept: string[] = [];
  let words = 0;
  for (const line of lines) {
    const n = line.split(' ').length;
    if (words + n > maxWords) break;
    kept.push(line);
    words += n;
  }
  if (kept.length === lines.length) return kept.join(' ');
  if (kept.length > 0) return kept.join(' ') + '…';
  return lines[0].split(' ').slice(0, maxWords).join(' ') + '…';
}

function continuesBlock(block: Box, line: Box): boolean {
  const lineHeight = Math.max(1, line.height);
  const gap = line.y - (block.y + block.height);
  const overlap = Math.min(block.x + block.width, line.x + line.width) - Math.max(block.x, line.x);
  return gap < lineHeight && gap > -lineHeight / 2 && overlap > 0;
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
