/**
 * zod schemas of the expert outputs in experts/types.ts. Stored outputs are jsonb: a stage that reads an
 * upstream output validates it here instead of trusting a cast, and every stage reports a bad one the same
 * way (stages/upstream.ts). The compile-time checks at the end keep each schema and its interface equal.
 */
import { z } from 'zod';
import type { AttributesOutput, DetectOutput, FuseOutput, OcrOutput } from './types.ts';

const box = z.object({ x: z.number(), y: z.number(), width: z.number(), height: z.number() });
const modelRef = z.object({ id: z.string(), version: z.string() });

export const detectOutputSchema = z.object({
  imageWidth: z.number(),
  imageHeight: z.number(),
  objects: z.array(z.object({ label: z.string(), score: z.number(), box })),
});

export const attributesOutputSchema = z.object({
  objects: z.array(
    z.object({
      objectIndex: z.number().int(),
      label: z.string(),
      colors: z.array(z.object({ name: z.string(), share: z.number() })),
      size: z.enum(['small', 'medium', 'large']),
      areaShare: z.number(),
      position: z.string(),
      person: z.object({ ageGroup: z.string().optional(), expression: z.string().optional(), faceScore: z.number().optional() }).optional(),
      extra: z.array(z.object({ label: z.string(), score: z.number() })).optional(),
    }),
  ),
  counts: z.record(z.string(), z.number()),
});

const ocrWord = z.object({ text: z.string(), confidence: z.number(), box });
export const ocrOutputSchema = z.object({
  lines: z.array(z.object({ text: z.string(), confidence: z.number(), box, words: z.array(ocrWord) })),
});

const groundingReport = z.object({
  score: z.number(),
  claims: z.number(),
  ungrounded: z.array(z.object({ kind: z.enum(['object', 'attribute', 'count', 'text']), claim: z.string(), reason: z.string() })),
});

export const fuseOutputSchema = z.object({
  caption: z.string(),
  backend: z.string(),
  model: modelRef,
  template: z.string(),
  ablation: z.object({ objects: z.boolean(), attributes: z.boolean(), ocr: z.boolean() }),
  grounding: groundingReport,
  decision: z.enum(['kept', 'flagged', 'fallback']),
  fallbackFrom: z.string().optional(),
  fallbackReason: z.string().optional(),
  rejected: z.object({ caption: z.string(), grounding: groundingReport }).optional(),
  attempts: z.number().optional(),
});

// Compile-time: each schema's parsed type and its interface are the same type (a drift fails tsc).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const same = <T extends true>(): T => true as T;
same<Same<z.infer<typeof detectOutputSchema>, DetectOutput>>();
same<Same<z.infer<typeof attributesOutputSchema>, AttributesOutput>>();
same<Same<z.infer<typeof ocrOutputSchema>, OcrOutput>>();
same<Same<z.infer<typeof fuseOutputSchema>, FuseOutput>>();
