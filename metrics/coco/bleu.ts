/**
 * BLEU-1..4 as bleu_scorer.py computes it for the COCO toolkit: modified n-gram precision with candidate
 * counts clipped by the maximum count in any one reference, the "closest" effective reference length
 * (ties go to the shorter reference), and the brevity penalty applied when the candidate is shorter.
 * The corpus score pools counts over all images; the per-image scores use each image's own counts.
 * The tiny/small constants are the toolkit's: they keep 0/0 at 0 instead of NaN and must stay as they
 * are for parity.
 */
import { MAX_ORDER, ngramCounts, words } from './ngrams.ts';

const TINY = 1e-15;
const SMALL = 1e-9;

export interface BleuResult {
  /** corpus[k - 1] is BLEU-k. */
  corpus: number[];
  /** perImage[k - 1][i] is BLEU-k of image i. */
  perImage: number[][];
}

interface Cooked {
  testLen: number;
  refLen: number;
  guess: number[];
  correct: number[];
}

function cook(candidate: string, references: readonly string[], n: number): Cooked {
  const refLens: number[] = [];
  const maxCounts: Map<string, number>[] = Array.from({ length: n }, () => new Map());
  for (const ref of references) {
    const toks = words(ref);
    refLens.push(toks.length);
    const counts = ngramCounts(toks, n);
    for (let k = 0; k < n; k++) {
      for (const [g, c] of counts[k]) {
        if ((maxCounts[k].get(g) ?? 0) < c) maxCounts[k].set(g, c);
      }
    }
  }
  const toks = words(candidate);
  const testLen = toks.length;
  let refLen = refLens[0];
  for (const l of refLens) {
    const d = Math.abs(l - testLen);
    const best = Math.abs(refLen - testLen);
    if (d < best || (d === best && l < refLen)) refLen = l;
  }
  const counts = ngramCounts(toks, n);
  const guess: number[] = [];
  const correct: number[] = [];
  for (let k = 0; k < n; k++) {
    guess.push(Math.max(0, testLen - k));
    let c = 0;
    for (const [g, cnt] of counts[k]) c += Math.min(maxCounts[k].get(g) ?? 0, cnt);
    correct.push(c);
  }
  return { testLen, refLen, guess, correct };
}

function scoreFromCounts(correct: number[], guess: number[], testLen: number, refLen: number): number[] {
  const out: number[] = [];
  let product = 1;
  for (let k = 0; k < correct.length; k++) {
    product *= (correct[k] + TINY) / (guess[k] + SMALL);
    out.push(product ** (1 / (k + 1)));
  }
  const ratio = (testLen + TINY) / (refLen + SMALL);
  if (ratio < 1) {
    const bp = Math.exp(1 - 1 / ratio);
    for (let k = 0; k < out.length; k++) out[k] *= bp;
  }
  return out;
}

export function bleu(candidates: readonly string[], references: readonly (readonly string[])[], n = MAX_ORDER): BleuResult {
  const perImage: number[][] = Array.from({ length: n }, () => []);
  const totalCorrect = new Array<number>(n).fill(0);
  const totalGuess = new Array<number>(n).fill(0);
  let totalTest = 0;
  let totalRef = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = cook(candidates[i], references[i], n);
    totalTest += c.testLen;
    totalRef += c.refLen;
    for (let k = 0; k < n; k++) {
      totalCorrect[k] += c.correct[k];
      totalGuess[k] += c.guess[k];
    }
    const s = scoreFromCounts(c.correct, c.guess, c.testLen, c.refLen);
    for (let k = 0; k < n; k++) perImage[k].push(s[k]);
  }
  return { corpus: scoreFromCounts(totalCorrect, totalGuess, totalTest, totalRef), perImage };
}
