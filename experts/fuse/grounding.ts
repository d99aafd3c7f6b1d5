/**
 * The grounding check: every object, colour / person / size attribute, count and quoted text a fused
 * caption claims must be supported by the original caption or by the (ablation-filtered) expert facts.
 * It runs on the output of every backend; an LLM's paraphrase passes when it names the same concepts
 * (puppy ↔ dog, bike ↔ bicycle, people ↔ person), a made-up colour, object, count or sign text does not.
 */
import type { GroundingReport } from '../types.ts';
import type { FuseFacts, ObjectGroup } from './facts.ts';
import { SIZE_ADJECTIVES, ancestors, baseColor, conceptsCompatible } from '../../lib/language/lexicon.ts';
import { type NounMention, parseNounMentions, tokenize } from '../../lib/language/mentions.ts';

type Ungrounded = GroundingReport['ungrounded'][number];

export interface GroundingSources {
  original: string;
  facts: FuseFacts;
}

/** Parsed original caption, reusable across checks of several candidates for one image. */
export interface PreparedSources {
  originalMentions: NounMention[];
  originalText: string; // normalised, for quoted texts the original itself carries
  ocrText: string; // normalised, all stated text blocks joined
  facts: FuseFacts;
}

export function prepareSources(sources: GroundingSources): PreparedSources {
  return {
    originalMentions: parseNounMentions(tokenize(sources.original)),
    originalText: normalizeText(sources.original),
    ocrText: sources.facts.texts.map((t) => normalizeText(t.text)).join(' | '),
    facts: sources.facts,
  };
}

export function checkGrounding(caption: string, sources: GroundingSources | PreparedSources): GroundingReport {
  const prepared = 'originalMentions' in sources ? sources : prepareSources(sources);
  const tokens = tokenize(caption);
  const ungrounded: Ungrounded[] = [];
  let claims = 0;
  const claim = (failure: Ungrounded | null): void => {
    claims++;
    if (failure) ungrounded.push(failure);
  };
  for (const m of parseNounMentions(tokens)) {
    claim(checkObject(m, prepared));
    for (const color of m.colors) claim(checkColor(m, color, prepared));
    for (const adjective of m.adjectives) claim(checkAdjective(m, adjective, prepared));
    if (m.count !== null) claim(checkCount(m, prepared));
  }
  for (const t of tokens) if (t.kind === 'quote' && t.text.length > 0) claim(checkText(t.text, prepared));
  return { score: claims === 0 ? 1 : (claims - ungrounded.length) / claims, claims, ungrounded };
}

/** Original mentions that may refer to the same thing as `m`. */
function originalMatches(m: NounMention, p: PreparedSources): NounMention[] {
  return p.originalMentions.filter((o) =>
    m.concept !== null && o.concept !== null ? conceptsCompatible(m.concept, o.concept) : o.lemma === m.lemma,
  );
}

/** Expert groups that may be what `m` names; `introducing` limits to groups the ablation lets add objects. */
function groupMatches(m: NounMention, p: PreparedSources, introducing: boolean): ObjectGroup[] {
  if (m.concept === null) return [];
  return p.facts.groups.filter((g) => (!introducing || g.mayIntroduce) && conceptsCompatible(m.concept!, g.concept));
}

function checkObject(m: NounMention, p: PreparedSources): Ungrounded | null {
  if (originalMatches(m, p).length > 0) return null;
  if (groupMatches(m, p, true).length > 0) return null;
  // Text the OCR expert read is evidence that there is text in the picture.
  if (m.concept === 'text' && p.facts.texts.length > 0) return null;
  return { kind: 'object', claim: m.lemma, reason: `neither the original caption nor the detector mentions a ${m.lemma}` };
}

function checkColor(m: NounMention, color: string, p: PreparedSources): Ungrounded | null {
  if (originalMatches(m, p).some((o) => o.colors.includes(color))) return null;
  if (p.facts.ablation.attributes) {
    for (const g of groupMatches(m, p, false)) {
      if (g.members.some((member) => member.colors.some((c) => baseColor(c.name) === color))) return null;
    }
  }
  return { kind: 'attribute', claim: `${color} ${m.lemma}`, reason: `no source says the ${m.lemma} is ${color}` };
}

function checkAdjective(m: NounMention, adjective: string, p: PreparedSources): Ungrounded | null {
  if (originalMatches(m, p).some((o) => o.adjectives.includes(adjective))) return null;
  if (p.facts.ablation.attributes) {
    const size = SIZE_ADJECTIVES[adjective];
    for (const g of groupMatches(m, p, false)) {
      for (const member of g.members) {
        if (size ? member.size === size : member.personAdjectives.includes(adjective)) return null;
        // The expert writes "smiling" for a happy face; "happy" in a caption says the same.
        if (adjective === 'happy' && member.personAdjectives.includes('smiling')) return null;
      }
    }
  }
  return { kind: 'attribute', claim: `${adjective} ${m.lemma}`, reason: `no source says the ${m.lemma} is ${adjective}` };
}

function checkCount(m: NounMention, p: PreparedSources): Ungrounded | null {
  const count = m.count!;
  if (originalMatches(m, p).some((o) => o.count === count || (o.count === null && !o.plural && count === 1))) return null;
  if (m.concept !== null && p.facts.ablation.objects) {
    // Groups of the named concept or of narrower ones: "two animals" counts the dog and the horse.
    const detected = p.facts.groups
      .filter((g) => g.mayIntroduce && ancestors(g.concept).includes(m.concept!))
      .reduce((sum, g) => sum + g.count, 0);
    if (detected === count) return null;
    if (detected > 0) {
      return { kind: 'count', claim: `${count} ${m.lemma}`, reason: `the detector counts ${detected}, not ${count}` };
    }
  }
  return { kind: 'count', claim: `${count} ${m.lemma}`, reason: `no source counts ${count} ${m.lemma}` };
}

function checkText(text: string, p: PreparedSources): Ungrounded | null {
  if (normalizeText(text).length === 0) return null;
  if (saysWords(p.ocrText, text) || saysWords(p.originalText, text)) return null;
  return { kind: 'text', claim: text, reason: p.ocrText ? `OCR read ${JSON.stringify(p.ocrText)}, not this` : 'no text was read' };
}

/**
 * Whether normalised text `said` contains `text`'s words, whole words in order: "TOP" is not in "STOP",
 * "NO PARKING" is in "no parking signs". Empty text is in nothing.
 */
export function saysWords(said: string, text: string): boolean {
  const needle = normalizeText(text);
  return needle.length > 0 && ` ${said} `.includes(` ${needle} `);
}

/** Case, punctuation and spacing do not change what a sign says. */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
