/**
 * BLEU-1..4 as bleu_scorer.py computes it for the COCO toolkit: modified n-gram precision with candidate
 * counts clipped by the maximum count in any one reference, the "closest" effective reference length
 * (ties go to the shorter reference), and the brevity penalty applied when the candidate is shorter.
 * The corpus score pools counts over all images; the per-image scores use each image's own counts.
 * The tiny/small constants are the toolkit's: they keep 0/0 at 0 instead of NaN and must stay as they
 * are for parity.
 */
import { countCaptions, MAX_ORDER, totalOfOrder, type CountedCaptions, type NgramCounts, type NgramVocabulary } from './ngrams.ts';

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

function cook(vocab: NgramVocabulary, candidate: NgramCounts, references: readonly NgramCounts[], n: number): Cooked {
  const testLen = totalOfOrder(vocab, candidate, 0);
  let refLen = -1;
  for (const ref of references) {
    const l = totalOfOrder(vocab, ref, 0);
    const d = Math.abs(l - testLen);
    const best = Math.abs(refLen - testLen);
    if (refLen < 0 || d < best || (d === best && l < refLen)) refLen = l;
  }
  const guess: number[] = [];
  const correct = new Array<number>(n).fill(0);
  for (let k = 0; k < n; k++) guess.push(Math.max(0, testLen - k));
  for (const [g, cnt] of candidate) {
    // Clip by the largest count of this n-gram in any single reference.
    let maxRef = 0;
    for (const ref of references) {
      const r = ref.get(g);
      if (r !== undefined && r > maxRef) maxRef = r;
    }
    correct[vocab.orderOf(g)] += Math.min(maxRef, cnt);
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

export function bleu(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  counted: CountedCaptions = countCaptions(candidates, references),
  n = MAX_ORDER,
): BleuResult {
  const perImage: number[][] = Array.from({ length: n }, () => []);
  const totalCorrect = new Array<number>(n).fill(0);
  const totalGuess = new Array<number>(n).fill(0);
  let totalTest = 0;
  let totalRef = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = cook(counted.vocab, counted.candidates[i], counted.references[i], n);
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
