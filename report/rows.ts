/**
 * Turns metric results into report rows, so the names in the report are the names the metrics use.
 * CLIPScore values are shown ×100, the scale the FuseCap and CLIPScore papers print (78.5 = 0.785·100,
 * where CLIP-S itself is 2.5·cos); retrieval recalls are already percentages.
 */
import type { ClipScoreResult } from '../metrics/clipscore.ts';
import type { CocoEvalResult } from '../metrics/coco/evaluate.ts';
import type { RetrievalResult } from '../metrics/retrieval.ts';
import type { CaptionSource, MetricRow } from './types.ts';

export function cocoRows(split: string, captionSource: CaptionSource, result: CocoEvalResult): MetricRow[] {
  return Object.entries(result.corpus).map(([name, value]) => ({
    name,
    split,
    captionSource,
    value: value ?? null,
    ...(name === 'CIDEr-D' ? { note: 'pycocoevalcap reports this value under the key "CIDEr"' } : {}),
  }));
}

export function clipScoreRows(split: string, captionSource: CaptionSource, result: ClipScoreResult): MetricRow[] {
  if (result.status === 'unavailable') {
    return [{ name: 'CLIPScore', split, captionSource, value: null, note: result.reason }];
  }
  const rows: MetricRow[] = [
    { name: 'CLIPScore', split, captionSource, value: 100 * result.clipScore, note: `×100; model ${result.model}` },
  ];
  if (result.refClipScore !== null)
    rows.push({ name: 'RefCLIPScore', split, captionSource, value: 100 * result.refClipScore, note: `×100; model ${result.model}` });
  return rows;
}

export function retrievalRows(split: string, captionSource: CaptionSource, r: RetrievalResult): MetricRow[] {
  const row = (name: string, value: number): MetricRow => ({ name, split, captionSource, value, note: `ITM re-rank of top ${r.k}` });
  return [
    row('i2t R@1', r.imageToText.R1),
    row('i2t R@5', r.imageToText.R5),
    row('i2t R@10', r.imageToText.R10),
    row('t2i R@1', r.textToImage.R1),
    row('t2i R@5', r.textToImage.R5),
    row('t2i R@10', r.textToImage.R10),
    row('R mean', r.meanRecall),
  ];
}
