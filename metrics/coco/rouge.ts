/**
 * ROUGE-L as the COCO toolkit computes it (rouge/rouge.py): for each reference the longest common
 * subsequence with the candidate, precision and recall each maximised over references *separately*, then
 * F with beta = 1.2; the corpus score is the mean over images. Captions are split on single spaces
 * (`str.split(" ")`), so an empty caption counts as one empty token — kept for parity.
 */
export const ROUGE_BETA = 1.2;

export interface RougeResult {
  corpus: number;
  perImage: number[];
}

function lcsLength(a: readonly string[], b: readonly string[]): number {
  // One rolling row over the shorter sequence: O(|a|·|b|) time, O(min) memory.
  const [long, short] = a.length >= b.length ? [a, b] : [b, a];
  let prev = new Uint32Array(short.length + 1);
  let cur = new Uint32Array(short.length + 1);
  for (let i = 1; i <= long.length; i++) {
    const w = long[i - 1];
    for (let j = 1; j <= short.length; j++) {
      cur[j] = w === short[j - 1] ? prev[j - 1] + 1 : Math.max(prev[j], cur[j - 1]);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[short.length];
}

export function rougeLForImage(candidate: string, references: readonly string[], beta = ROUGE_BETA): number {
  const cand = candidate.split(' ');
  let precMax = 0;
  let recMax = 0;
  for (const ref of references) {
    const r = ref.split(' ');
    const lcs = lcsLength(r, cand);
    precMax = Math.max(precMax, lcs / cand.length);
    recMax = Math.max(recMax, lcs / r.length);
  }
  if (precMax === 0 || recMax === 0) return 0;
  return ((1 + beta ** 2) * precMax * recMax) / (recMax + beta ** 2 * precMax);
}

export function rougeL(candidates: readonly string[], references: readonly (readonly string[])[]): RougeResult {
  const perImage = candidates.map((c, i) => rougeLForImage(c, references[i]));
  return { corpus: mean(perImage), perImage };
}

export function mean(values: readonly number[]): number {
  let s = 0;
  for (const v of values) s += v;
  return values.length === 0 ? NaN : s / values.length;
}
