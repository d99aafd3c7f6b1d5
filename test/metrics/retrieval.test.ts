import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retrievalRecall, RetrievalInputError, type RetrievalScores } from '../../metrics/retrieval.ts';

/** Top-k indices of a row by value (ties: lower index), as the trainer's torch.topk would list them. */
function topk(row: number[], k: number): number[] {
  return row
    .map((v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

function build(itc: number[][], textToImage: number[], k: number, itmOf: (image: number, text: number) => number): RetrievalScores {
  const nI = itc.length;
  const nT = itc[0].length;
  return {
    imageIds: itc.map((_, i) => `img${i}`),
    textIds: itc[0].map((_, t) => `txt${t}`),
    textToImage,
    itc,
    k,
    itmImageToText: itc.map((row, i) => {
      const indices = topk(row, Math.min(k, nT));
      return { indices, itm: indices.map((t) => itmOf(i, t)) };
    }),
    itmTextToImage: itc[0].map((_, t) => {
      const indices = topk(
        itc.map((r) => r[t]),
        Math.min(k, nI),
      );
      return { indices, itm: indices.map((i) => itmOf(i, t)) };
    }),
  };
}

test('a perfect diagonal gives 100 everywhere', () => {
  const itc = [
    [0.9, 0.1, 0.2],
    [0.1, 0.8, 0.3],
    [0.2, 0.1, 0.7],
  ];
  const r = retrievalRecall(build(itc, [0, 1, 2], 2, () => 0));
  assert.deepEqual(r.imageToText, { R1: 100, R5: 100, R10: 100 });
  assert.deepEqual(r.textToImage, { R1: 100, R5: 100, R10: 100 });
  assert.equal(r.meanRecall, 100);
});

test('ITM re-ranking fixes an ITC mistake inside the top-k, and several texts per image count as hits', () => {
  // 2 images, 4 texts: texts 0,1 describe image 0; texts 2,3 image 1.
  // ITC puts text 2 first for image 0 (wrong); ITM knows better.
  const itc = [
    [0.5, 0.2, 0.6, 0.1],
    [0.1, 0.2, 0.3, 0.4],
  ];
  const textToImage = [0, 0, 1, 1];
  const itm = (i: number, t: number) => (textToImage[t] === i ? 5 : -5);
  const r = retrievalRecall(build(itc, textToImage, 2, itm));
  // ITC only: image 0's best ground truth (text 0) is at rank 1 → R@1 for i2t is 50.
  assert.equal(r.itcOnly.imageToText.R1, 50);
  assert.equal(r.imageToText.R1, 100);
  // Text→image with ITC: text 2 → image 0 (0.6 > 0.3) wrong; text 1: tie 0.2 = 0.2 → lower index (0) wins, right.
  assert.equal(r.itcOnly.textToImage.R1, 75);
  assert.equal(r.textToImage.R1, 100);
});

test('ground truth outside the ITM top-k gets -100 and falls behind every re-ranked candidate', () => {
  // 12 texts for 12 images; image 0's true text (0) has the lowest ITC of its row, outside top-2.
  const n = 12;
  const itc = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, t) => (i === t ? (i === 0 ? -1 : 1) : 0.01 * ((i * 7 + t) % 10))),
  );
  const r = retrievalRecall(
    build(
      itc,
      Array.from({ length: n }, (_, t) => t),
      2,
      (i, t) => (i === t ? 1 : 0),
    ),
  );
  // Image 0: 2 re-ranked texts, then 10 texts at -100 with ties broken by index: text 0 is first of those → rank 2.
  assert.equal(r.imageToText.R1, (100 * 11) / 12);
  assert.equal(r.imageToText.R5, 100);
  // ITC-only: text 0 is last of 12 in image 0's row → misses R@10.
  assert.equal(r.itcOnly.imageToText.R10, (100 * 11) / 12);
});

test('misaligned input is refused with the offending query named', () => {
  const itc = [
    [0.9, 0.1],
    [0.1, 0.8],
  ];
  const s = build(itc, [0, 1], 1, () => 0);
  s.itmImageToText[1] = { indices: [0], itm: [0] }; // not image 1's top-1 by ITC
  assert.throws(
    () => retrievalRecall(s),
    (e: Error) => e instanceof RetrievalInputError && /img1/.test(e.message),
  );
  const orphan = build(itc, [0, 0], 1, () => 0);
  assert.throws(() => retrievalRecall(orphan), /images without a ground-truth text: img1/);
  assert.throws(() => retrievalRecall({ ...build(itc, [0, 1], 1, () => 0), itc: [[1, 2]] }), /must be 2 × 2/);
});
