/**
 * Expert facts as text for a model fuser, and the two prompt templates that wrap them. A template's
 * `id@version` is stored with every fused caption (FuseOutput.template) and goes into the fuse stage's
 * idempotency key: change the wording → bump the version, and old captions stay attributable.
 */
import type { FuseFacts, ObjectGroup } from './facts.ts';
import { positionPhrase } from './grounded.ts';
import { nounOfConcept } from '../../lib/language/lexicon.ts';

export interface SerializeOptions {
  /** Object groups listed, most salient first. */
  maxGroups?: number;
  /** Hard cap on the serialized facts, in characters; whole lines are dropped past it. */
  maxChars?: number;
}

/**
 * One line per object group ("2 horses: white, brown; on the left; large; score 0.92") and one per
 * text block ('"STOP" (confidence 0.99)'), most salient first, bounded in count and length so a crowded
 * image cannot blow the model's context.
 */
export function serializeFacts(facts: FuseFacts, options: SerializeOptions = {}): { objects: string[]; texts: string[] } {
  const maxGroups = options.maxGroups ?? 8;
  const maxChars = options.maxChars ?? 800;
  let budget = maxChars;
  const take = (line: string): boolean => {
    if (line.length + 1 > budget) return false;
    budget -= line.length + 1;
    return true;
  };
  const objects: string[] = [];
  for (const g of facts.groups.slice(0, maxGroups)) {
    if (!g.mayIntroduce && !facts.ablation.attributes) continue;
    const line = describeGroup(g, facts.ablation.attributes);
    if (!take(line)) break;
    objects.push(line);
  }
  const texts: string[] = [];
  for (const t of facts.texts) {
    const line = `"${t.text}" (confidence ${t.confidence.toFixed(2)})`;
    if (!take(line)) break;
    texts.push(line);
  }
  return { objects, texts };
}

function describeGroup(g: ObjectGroup, withAttributes: boolean): string {
  // Without the detector (objects ablated) counts are not known facts: name the kind only.
  const head = g.mayIntroduce ? `${g.count} ${nounOfConcept(g.concept, g.count)}` : nounOfConcept(g.concept, 1);
  const parts: string[] = [];
  if (withAttributes) {
    const colors = [...new Set(g.members.flatMap((m) => m.colors.slice(0, 2).map((c) => c.name)))].slice(0, 4);
    if (colors.length) parts.push(colors.join(', '));
    // "smiling (1 of 10)": an adjective only some members have must not read as true of all.
    const person = [...new Set(g.members.flatMap((m) => m.personAdjectives))].map((a) => {
      const k = g.members.filter((m) => m.personAdjectives.includes(a)).length;
      return k === g.members.length ? a : `${a} (${k} of ${g.members.length})`;
    });
    if (person.length) parts.push(person.join(', '));
    const positions = [...new Set(g.members.map((m) => m.position).filter((p): p is string => !!p))].slice(0, 3);
    if (positions.length) parts.push(positions.map(positionPhrase).join(', '));
    const sizes = [...new Set(g.members.map((m) => m.size).filter((s): s is string => !!s))];
    if (sizes.length) parts.push(sizes.join(', '));
  }
  return parts.length ? `${head}: ${parts.join('; ')}` : head;
}

export interface PromptTemplate {
  id: string;
  version: string;
}

export interface ChatMessage {
  role: 'system' | 'user';
  content: string;
}

export const CHAT_TEMPLATE: PromptTemplate = { id: 'fusecap-chat', version: '1' };
export const SEQ2SEQ_TEMPLATE: PromptTemplate = { id: 'fusecap-seq2seq', version: '1' };

export function templateTag(t: PromptTemplate): string {
  return `${t.id}@${t.version}`;
}

const CHAT_SYSTEM = [
  'You merge an image caption with what vision experts found in the same image into one fluent, detailed caption.',
  'Rules: keep the meaning of the original caption; add the listed objects, their colours, counts and positions',
  'and quote any listed text exactly, in double quotes; never mention anything that is not in the caption or the',
  'lists; write one sentence of at most 40 words; reply with the caption only.',
].join(' ');

/** Messages for an instruction-following chat model (OpenAI-compatible endpoints). */
export function chatMessages(original: string, facts: FuseFacts, options?: SerializeOptions): ChatMessage[] {
  const { objects, texts } = serializeFacts(facts, options);
  const user = [
    `Caption: ${original}`,
    `Objects: ${objects.length ? '\n' + objects.map((o) => `- ${o}`).join('\n') : 'none'}`,
    `Text in the image: ${texts.length ? '\n' + texts.map((t) => `- ${t}`).join('\n') : 'none'}`,
  ].join('\n');
  return [
    { role: 'system', content: CHAT_SYSTEM },
    { role: 'user', content: user },
  ];
}

/**
 * One flat prompt for a seq2seq fuser (Flan-T5 style, as the paper fine-tunes): an instruction, then
 * the caption and the facts on one line each, ending in the slot the model fills.
 */
export function seq2seqPrompt(original: string, facts: FuseFacts, options?: SerializeOptions): string {
  const { objects, texts } = serializeFacts(facts, { maxChars: 500, ...options });
  return [
    'Combine the caption and the detected objects and text into one detailed caption.',
    `Caption: ${original}`,
    `Objects: ${objects.length ? objects.join(' | ') : 'none'}`,
    `Text: ${texts.length ? texts.join(' | ') : 'none'}`,
    'Detailed caption:',
  ].join('\n');
}
