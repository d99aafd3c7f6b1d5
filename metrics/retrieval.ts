/**
 * Image–text retrieval recall as BLIP evaluates it (train_retrieval.py: evaluation + itm_eval):
 *
 * 1. ITC similarities give an images × texts matrix.
 * 2. For each image, its top-k texts by ITC are re-scored with the ITM head; their final score is
 *    ITM + ITC, every other text gets -100. The same for each text over images (top-k images).
 * 3. Image→text: an image's rank is the best rank of any of its ground-truth texts (an image has
 *    several captions). Text→image: a text's rank is the rank of its one image.
 * 4. R@K = 100 · share of queries whose rank < K, for K = 1, 5, 10; "mean" is the mean of the six.
 *
 * Ties are broken by index (lower index ranks first), which makes results deterministic; BLIP's
 * np.argsort leaves tie order unspecified. ITC-only recall (step 2 skipped) is reported alongside.
 */

/**
 * What `python -m fusecap_trainer score` writes (JSON). All indices are 0-based.
 */
export interface RetrievalScores {
  /** Row labels of `itc`. */
  imageIds: string[];
  /** Column labels of `itc`. */
  textIds: string[];
  /** textToImage[j] = index into imageIds of the image text j describes. */
  textToImage: number[];
  /** ITC similarity (cosine of projected features / temperature, as BLIP's sims_matrix), images × texts. */
  itc: number[][];
  /** The k of the ITM re-ranking. */
  k: number;
  /** Per image: its top-k text indices by ITC and their ITM "match" logits (itm_head(...)[:, 1]). */
  itmImageToText: { indices: number[]; itm: number[] }[];
  /** Per text: its top-k image indices by ITC and their ITM "match" logits. */
  itmTextToImage: { indices: number[]; itm: number[] }[];
}

export interface RecallAtK {
  R1: number;
  R5: number;
  R10: number;
}

export interface RetrievalResult {
  imageToText: RecallAtK;
  textToImage: RecallAtK;
  /** Mean of the six recalls. */
  meanRecall: number;
  itcOnly: { imageToText: RecallAtK; textToImage: RecallAtK; meanRecall: number };
  images: number;
  texts: number;
  k: number;
}

const NOT_RERANKED = -100;

export class RetrievalInputError extends Error {
  override name = 'RetrievalInputError';
}

function validate(s: RetrievalScores): void {
  const nI = s.imageIds.length;
  const nT = s.textIds.length;
  if (nI === 0 || nT === 0) throw new RetrievalInputError(`retrieval needs images and texts (got ${nI} images, ${nT} texts)`);
  if (s.itc.length !== nI || s.itc.some((row) => row.length !== nT)) {
    throw new RetrievalInputError(`itc must be ${nI} × ${nT} (imageIds × textIds)`);
  }
  if (s.textToImage.length !== nT || s.textToImage.some((i) => !Number.isInteger(i) || i < 0 || i >= nI)) {
    throw new RetrievalInputError(`textToImage must hold one image index in [0, ${nI}) per text`);
  }
  const hasText = new Array<boolean>(nI).fill(false);
  for (const i of s.textToImage) hasText[i] = true;
  const orphans = s.imageIds.filter((_, i) => !hasText[i]);
  if (orphans.length > 0) throw new RetrievalInputError(`images without a ground-truth text: ${orphans.slice(0, 20).join(', ')}`);
  if (!Number.isInteger(s.k) || s.k < 1) throw new RetrievalInputError(`k must be a positive integer, got ${s.k}`);
  checkItm(s.itmImageToText, nI, Math.min(s.k, nT), nT, 'itmImageToText', (q) => s.itc[q], s.imageIds);
  checkItm(s.itmTextToImage, nT, Math.min(s.k, nI), nI, 'itmTextToImage', (q) => s.itc.map((row) => row[q]), s.textIds);
}

/** The ITM lists must score exactly each query's top-k candidates by ITC, or the input is misaligned. */
function checkItm(
  lists: RetrievalScores['itmImageToText'],
  queries: number,
  k: number,
  candidates: number,
  name: string,
  itcOf: (q: number) => number[],
  ids: string[],
): void {
  if (lists.length !== queries) throw new RetrievalInputError(`${name} must have one entry per query (${queries}), got ${lists.length}`);
  for (let q = 0; q < queries; q++) {
    const { indices, itm } = lists[q];
    if (indices.length !== k || itm.length !== k)
      throw new RetrievalInputError(`${name}[${q}] (${ids[q]}) must list ${k} candidates with ${k} ITM scores`);
    if (indices.some((c) => !Number.isInteger(c) || c < 0 || c >= candidates) || new Set(indices).size !== k) {
      throw new RetrievalInputError(`${name}[${q}] (${ids[q]}) has out-of-range or repeated indices`);
    }
    const row = itcOf(q);
    const chosen = new Set(indices);
    const minChosen = Math.min(...indices.map((c) => row[c]));
    for (let c = 0; c < candidates; c++) {
      if (!chosen.has(c) && row[c] > minChosen) {
        throw new RetrievalInputError(`${name}[${q}] (${ids[q]}) is not the top-${k} by ITC: candidate ${c} scores higher`);
      }
    }
  }
}

/** Rank (0-based) of candidate `target` in `scores`, descending, ties broken by lower index first. */
function rankOf(scores: ArrayLike<number>, target: number): number {
  const s = scores[target];
  let rank = 0;
  for (let c = 0; c < scores.length; c++) {
    if (scores[c] > s || (scores[c] === s && c < target)) rank++;
  }
  return rank;
}

function recall(ranks: number[]): RecallAtK {
  const at = (k: number) => (100 * ranks.filter((r) => r < k).length) / ranks.length;
  return { R1: at(1), R5: at(5), R10: at(10) };
}

function ranksFor(s: RetrievalScores, i2tScore: (i: number) => ArrayLike<number>, t2iScore: (t: number) => ArrayLike<number>) {
  const gtTexts: number[][] = s.imageIds.map(() => []);
  s.textToImage.forEach((i, t) => gtTexts[i].push(t));
  const i2t = s.imageIds.map((_, i) => {
    const row = i2tScore(i);
    return Math.min(...gtTexts[i].map((t) => rankOf(row, t)));
  });
  const t2i = s.textIds.map((_, t) => rankOf(t2iScore(t), s.textToImage[t]));
  const imageToText = recall(i2t);
  const textToImage = recall(t2i);
  const meanRecall = (imageToText.R1 + imageToText.R5 + imageToText.R10 + textToImage.R1 + textToImage.R5 + textToImage.R10) / 6;
  return { imageToText, textToImage, meanRecall };
}

export function retrievalRecall(scores: RetrievalScores): RetrievalResult {
  validate(scores);
  const nI = scores.imageIds.length;
  const nT = scores.textIds.length;
  const column = (t: number) => Float64Array.from({ length: nI }, (_, i) => scores.itc[i][t]);
  const reranked = ranksFor(
    scores,
    (i) => {
      const row = new Float64Array(nT).fill(NOT_RERANKED);
      const { indices, itm } = scores.itmImageToText[i];
      indices.forEach((t, j) => (row[t] = itm[j] + scores.itc[i][t]));
      return row;
    },
    (t) => {
      const row = new Float64Array(nI).fill(NOT_RERANKED);
      const { indices, itm } = scores.itmTextToImage[t];
      indices.forEach((i, j) => (row[i] = itm[j] + scores.itc[i][t]));
      return row;
    },
  );
  const itcOnly = ranksFor(scores, (i) => scores.itc[i], column);
  return { ...reranked, itcOnly, images: nI, texts: nT, k: scores.k };
}
