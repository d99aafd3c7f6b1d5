/**
 * Enrichment statistics: how much richer fused captions are than the originals, and which expert the
 * added content came from. Mentions are read with the fuser's own parser (lib/language/mentions.ts), so
 * the benchmark counts exactly what the fuser and its grounding check count.
 *
 * Definitions (per caption, then averaged over captions of a source):
 * - words: whitespace-separated tokens that contain a letter or digit;
 * - nouns / attributes: distinct noun lemmas / attribute words that extractMentions reads;
 * - OCR tokens: distinct words of the image's OCR output (lower-cased, letters/digits only) that occur
 *   among the caption's words.
 * An expert "contributed" to an image when the fused caption has a mention the original captions lack
 * that the expert's output supports: a noun equal to a detected label's lemma (objects), an attribute
 * word the attribute expert produced (attributes), an OCR token (ocr).
 */
import type { AttributesOutput, DetectOutput, FuseOutput, OcrOutput } from '../experts/types.ts';
import { extractMentions } from '../lib/language/mentions.ts';

export const EXPERTS = ['objects', 'attributes', 'ocr'] as const;
export type ExpertName = (typeof EXPERTS)[number];

export interface EnrichmentItem {
  imageId: string;
  original: readonly string[];
  /** Fused outputs for this image, one per ablation setting that was run. */
  fused: readonly FuseOutput[];
  detect?: DetectOutput;
  attributes?: AttributesOutput;
  ocr?: OcrOutput;
}

export interface CaptionStats {
  captions: number;
  meanWords: number;
  meanNouns: number;
  meanAttributes: number;
  meanOcrTokens: number;
}

export interface FusedStats extends CaptionStats {
  /** Share of images (0..1) where each expert contributed to the fused caption. */
  contribution: Record<ExpertName, number>;
  /** Mean grounding score of the fused captions (grounded claims / claims). */
  groundingRate: number;
  /** Share of fused captions per grounding decision. */
  decisions: { kept: number; flagged: number; fallback: number };
}

export interface AblationRow extends FusedStats {
  /** e.g. "objects+attributes+ocr", "objects+ocr", "none". */
  label: string;
  ablation: Record<ExpertName, boolean>;
}

export interface EnrichmentStats {
  images: number;
  original: CaptionStats;
  /** Stats of the fused captions with all experts on (null when that setting was not run). */
  fused: FusedStats | null;
  ablations: AblationRow[];
}

export function ablationLabel(a: Record<ExpertName, boolean>): string {
  const on = EXPERTS.filter((e) => a[e]);
  return on.length === 0 ? 'none' : on.join('+');
}

function wordsOf(caption: string): string[] {
  return caption.split(/\s+/u).filter((w) => /[\p{L}\p{N}]/u.test(w));
}

function normalizedWords(caption: string): Set<string> {
  const out = new Set<string>();
  for (const w of caption.toLowerCase().split(/[^\p{L}\p{N}]+/u)) if (w) out.add(w);
  return out;
}

function ocrTokens(ocr?: OcrOutput): Set<string> {
  const out = new Set<string>();
  for (const line of ocr?.lines ?? []) for (const w of normalizedWords(line.text)) out.add(w);
  return out;
}

function expertAttributeWords(attrs?: AttributesOutput): Set<string> {
  const out = new Set<string>();
  const add = (s?: string) => {
    if (!s) return;
    for (const w of normalizedWords(s)) out.add(w);
  };
  for (const o of attrs?.objects ?? []) {
    for (const c of o.colors) add(c.name);
    add(o.size);
    add(o.person?.ageGroup);
    add(o.person?.expression);
    for (const e of o.extra ?? []) add(e.label);
  }
  return out;
}

function detectedLemmas(detect?: DetectOutput): Set<string> {
  const out = new Set<string>();
  for (const o of detect?.objects ?? []) {
    for (const n of extractMentions(o.label).nouns) out.add(n);
    out.add(o.label.toLowerCase());
  }
  return out;
}

interface Measured {
  words: number;
  nouns: Set<string>;
  attributes: Set<string>;
  ocr: number;
  allWords: Set<string>;
}

function measure(caption: string, ocr: Set<string>): Measured {
  const m = extractMentions(caption);
  const allWords = normalizedWords(caption);
  let ocrHits = 0;
  for (const w of ocr) if (allWords.has(w)) ocrHits++;
  return { words: wordsOf(caption).length, nouns: new Set(m.nouns), attributes: new Set(m.attributes), ocr: ocrHits, allWords };
}

function summarize(ms: Measured[]): CaptionStats {
  const n = ms.length;
  const avg = (f: (m: Measured) => number) => (n === 0 ? 0 : ms.reduce((s, m) => s + f(m), 0) / n);
  return {
    captions: n,
    meanWords: avg((m) => m.words),
    meanNouns: avg((m) => m.nouns.size),
    meanAttributes: avg((m) => m.attributes.size),
    meanOcrTokens: avg((m) => m.ocr),
  };
}

export function enrichmentStats(items: readonly EnrichmentItem[]): EnrichmentStats {
  const originals: Measured[] = [];
  // label → per-image measurements of that ablation setting
  const groups = new Map<
    string,
    { ablation: Record<ExpertName, boolean>; fused: Measured[]; outputs: FuseOutput[]; contributed: Record<ExpertName, number> }
  >();
  for (const item of items) {
    const ocr = ocrTokens(item.ocr);
    const orig = item.original.map((c) => measure(c, ocr));
    originals.push(...orig);
    const origNouns = new Set(orig.flatMap((m) => [...m.nouns]));
    const origAttrs = new Set(orig.flatMap((m) => [...m.attributes]));
    const origWords = new Set(orig.flatMap((m) => [...m.allWords]));
    const labels = detectedLemmas(item.detect);
    const attrWords = expertAttributeWords(item.attributes);
    for (const f of item.fused) {
      const label = ablationLabel(f.ablation);
      let g = groups.get(label);
      if (!g) {
        g = { ablation: { ...f.ablation }, fused: [], outputs: [], contributed: { objects: 0, attributes: 0, ocr: 0 } };
        groups.set(label, g);
      }
      const m = measure(f.caption, ocr);
      g.fused.push(m);
      g.outputs.push(f);
      if ([...m.nouns].some((n) => !origNouns.has(n) && labels.has(n))) g.contributed.objects++;
      if ([...m.attributes].some((a) => !origAttrs.has(a) && attrWords.has(a))) g.contributed.attributes++;
      if ([...ocr].some((w) => m.allWords.has(w) && !origWords.has(w))) g.contributed.ocr++;
    }
  }
  const ablations: AblationRow[] = [...groups.entries()]
    .map(([label, g]) => {
      const n = g.outputs.length;
      const share = (k: FuseOutput['decision']) => g.outputs.filter((o) => o.decision === k).length / n;
      return {
        label,
        ablation: g.ablation,
        ...summarize(g.fused),
        contribution: { objects: g.contributed.objects / n, attributes: g.contributed.attributes / n, ocr: g.contributed.ocr / n },
        groundingRate: g.outputs.reduce((s, o) => s + o.grounding.score, 0) / n,
        decisions: { kept: share('kept'), flagged: share('flagged'), fallback: share('fallback') },
      };
    })
    // Full setting first, then by number of experts on, then by name: the usual ablation table layout.
    .sort(
      (a, b) => EXPERTS.filter((e) => b.ablation[e]).length - EXPERTS.filter((e) => a.ablation[e]).length || a.label.localeCompare(b.label),
    );
  const full = ablations.find((r) => EXPERTS.every((e) => r.ablation[e]));
  const fused: FusedStats | null = full
    ? {
        captions: full.captions,
        meanWords: full.meanWords,
        meanNouns: full.meanNouns,
        meanAttributes: full.meanAttributes,
        meanOcrTokens: full.meanOcrTokens,
        contribution: full.contribution,
        groundingRate: full.groundingRate,
        decisions: full.decisions,
      }
    : null;
  return { images: items.length, original: summarize(originals), fused, ablations };
}
