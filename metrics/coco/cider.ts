/**
 * CIDEr (Vedantam et al. 2015) and CIDEr-D, with document frequencies taken from the references of the
 * evaluated set ("corpus" mode).
 *
 * - `ciderD`: TF-IDF cosine per n-gram order (n = 1..4) with each candidate weight clipped by the
 *   reference weight, times a Gaussian length penalty exp(-δ²/2σ²) with σ = 6, averaged over orders and
 *   references, ×10. This is what pycocoevalcap's `Cider` class (the "CIDEr" key of the COCO toolkit)
 *   computes — its cider_scorer.py carries the clipping and the penalty — and what pyciderevalcap calls
 *   CIDEr-D.
 * - `cider`: the original CIDEr of pyciderevalcap's cider_scorer.py: the same TF-IDF cosine without
 *   clipping and without the length penalty.
 *
 * Faithful quirks kept for parity: the "length" used in δ is the candidate's and reference's number of
 * *bigrams* (the toolkit counts term frequencies of n-gram index 1), n-grams absent from the references
 * get df = 1, and a zero-norm vector leaves the dot product undivided (it is 0 then anyway).
 */
import { countCaptions, MAX_ORDER, type CountedCaptions, type NgramCounts } from './ngrams.ts';
import { mean } from './rouge.ts';

export const CIDER_SIGMA = 6;

export interface CiderResult {
  corpus: number;
  perImage: number[];
}

type Variant = 'cider' | 'ciderD';

export function ciderD(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  counted: CountedCaptions = countCaptions(candidates, references),
  sigma = CIDER_SIGMA,
): CiderResult {
  return computeCider('ciderD', counted, sigma);
}

export function cider(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  counted: CountedCaptions = countCaptions(candidates, references),
): CiderResult {
  return computeCider('cider', counted, CIDER_SIGMA);
}

function computeCider(variant: Variant, counted: CountedCaptions, sigma: number): CiderResult {
  const n = MAX_ORDER;
  const { candidates, references } = counted;
  // Document frequency: in how many images' reference sets an n-gram occurs (at least once). N-gram ids
  // are dense and unique across orders, so one typed array indexed by id holds all orders; lastImage
  // marks ids already counted for the current image.
  const size = counted.vocab.size + 1;
  const df = new Float64Array(size);
  const lastImage = new Int32Array(size).fill(-1);
  let anyRefGram = false;
  references.forEach((refs, img) => {
    for (const counts of refs) {
      for (const g of counts.keys()) {
        anyRefGram = true;
        if (lastImage[g] !== img) {
          lastImage[g] = img;
          df[g] += 1;
        }
      }
    }
  });
  if (!anyRefGram) throw new Error('CIDEr needs at least one non-empty reference caption in the evaluated set');
  const refLen = Math.log(references.length);
  // TF-IDF weight of n-gram g with term frequency tf is tf · idf[g]; absent n-grams get df = 1 (log 1 = 0).
  const idf = new Float64Array(size);
  for (let g = 1; g < size; g++) idf[g] = refLen - Math.log(Math.max(1, df[g]));

  const { vocab } = counted;
  // Per-order norms of the TF-IDF vector, and the bigram count that the toolkit uses as the length in
  // the penalty (see the header).
  const normsAndLength = (counts: NgramCounts): { norm: Float64Array; length: number } => {
    const norm = new Float64Array(n);
    let length = 0;
    for (const [g, tf] of counts) {
      const k = vocab.orderOf(g);
      const w = tf * idf[g];
      norm[k] += w * w;
      if (k === 1) length += tf;
    }
    for (let k = 0; k < n; k++) norm[k] = Math.sqrt(norm[k]);
    return { norm, length };
  };

  const perImage: number[] = [];
  const sums = new Float64Array(n);
  const dots = new Float64Array(n);
  for (let i = 0; i < candidates.length; i++) {
    const hyp = candidates[i];
    const h = normsAndLength(hyp);
    sums.fill(0);
    for (const ref of references[i]) {
      const r = normsAndLength(ref);
      const delta = h.length - r.length;
      const penalty = variant === 'ciderD' ? Math.exp(-(delta * delta) / (2 * sigma * sigma)) : 1;
      dots.fill(0);
      for (const [g, tf] of hyp) {
        const rtf = ref.get(g);
        if (rtf === undefined) continue; // its reference weight is 0, and so is its term
        const wh = tf * idf[g];
        const wr = rtf * idf[g];
        dots[vocab.orderOf(g)] += (variant === 'ciderD' ? Math.min(wh, wr) : wh) * wr;
      }
      for (let k = 0; k < n; k++) {
        let dot = dots[k];
        if (h.norm[k] !== 0 && r.norm[k] !== 0) dot /= h.norm[k] * r.norm[k];
        sums[k] += dot * penalty;
      }
    }
    let s = 0;
    for (let k = 0; k < n; k++) s += sums[k];
    perImage.push((s / n / references[i].length) * 10);
  }
  return { corpus: mean(perImage), perImage };
}
