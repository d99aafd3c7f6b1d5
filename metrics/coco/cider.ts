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
import { MAX_ORDER, ngramCounts, words } from './ngrams.ts';
import { mean } from './rouge.ts';

export const CIDER_SIGMA = 6;

export interface CiderResult {
  corpus: number;
  perImage: number[];
}

interface TfIdf {
  vec: Map<string, number>[];
  norm: number[];
  length: number;
}

type Variant = 'cider' | 'ciderD';

export function ciderD(candidates: readonly string[], references: readonly (readonly string[])[], sigma = CIDER_SIGMA): CiderResult {
  return computeCider('ciderD', candidates, references, sigma);
}

export function cider(candidates: readonly string[], references: readonly (readonly string[])[]): CiderResult {
  return computeCider('cider', candidates, references, CIDER_SIGMA);
}

function computeCider(variant: Variant, candidates: readonly string[], references: readonly (readonly string[])[], sigma: number): CiderResult {
  const n = MAX_ORDER;
  const refCounts = references.map((refs) => refs.map((r) => ngramCounts(words(r), n)));
  // Document frequency: in how many images' reference sets an n-gram occurs (at least once).
  const df = new Map<string, number>();
  for (const refs of refCounts) {
    const seen = new Set<string>();
    for (const counts of refs) for (let k = 0; k < n; k++) for (const g of counts[k].keys()) seen.add(`${k}|${g}`);
    for (const key of seen) df.set(key, (df.get(key) ?? 0) + 1);
  }
  if (df.size === 0) {
    throw new Error('CIDEr needs at least one non-empty reference caption in the evaluated set');
  }
  const refLen = Math.log(references.length);

  const toVec = (counts: Map<string, number>[]): TfIdf => {
    const vec: Map<string, number>[] = [];
    const norm: number[] = [];
    let length = 0;
    for (let k = 0; k < n; k++) {
      const v = new Map<string, number>();
      let sq = 0;
      for (const [g, tf] of counts[k]) {
        const w = tf * (refLen - Math.log(Math.max(1, df.get(`${k}|${g}`) ?? 0)));
        v.set(g, w);
        sq += w * w;
        if (k === 1) length += tf;
      }
      vec.push(v);
      norm.push(Math.sqrt(sq));
    }
    return { vec, norm, length };
  };

  const perImage: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const hyp = toVec(ngramCounts(words(candidates[i]), n));
    const sums = new Array<number>(n).fill(0);
    for (const counts of refCounts[i]) {
      const ref = toVec(counts);
      const delta = hyp.length - ref.length;
      const penalty = variant === 'ciderD' ? Math.exp(-(delta * delta) / (2 * sigma * sigma)) : 1;
      for (let k = 0; k < n; k++) {
        let dot = 0;
        for (const [g, wh] of hyp.vec[k]) {
          const wr = ref.vec[k].get(g) ?? 0;
          dot += (variant === 'ciderD' ? Math.min(wh, wr) : wh) * wr;
        }
        if (hyp.norm[k] !== 0 && ref.norm[k] !== 0) dot /= hyp.norm[k] * ref.norm[k];
        sums[k] += dot * penalty;
      }
    }
    perImage.push((mean(sums) / refCounts[i].length) * 10);
  }
  return { corpus: mean(perImage), perImage };
}
