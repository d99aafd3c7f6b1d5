/**
 * The ONNX conversions (models/detect/, runtime "onnx") against the original TF.js graph models
 * (runtime "tfjs", wasm) on every sample photo: the same input floats through both graphs give raw
 * boxes within 1e-3 model pixels (NanoDet's raw cells 2e-3), and the detectors built on them give the same labels, scores and
 * boxes after NMS. This is what lets the onnx runtime be the default without re-pinning detections.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { CENTERNET_INPUT_SHAPE, centerNetInput, loadCenterNetGraph } from '../../../experts/detect/centernet.ts';
import type { GraphRunner } from '../../../experts/detect/graph-runner.ts';
import { createDetector, type DetectBackend } from '../../../experts/detect/index.ts';
import { decodeNanoDetLevel, loadNanoDetGraph, NANODET_INPUT_SHAPE, nanoDetInput, nanoDetLevels } from '../../../experts/detect/nanodet.ts';
import { type DecodedImage, decodeImage } from '../../../lib/image.ts';
import { ROOT, SAMPLE } from './helpers.ts';

/** Largest box difference allowed between the runtimes, in model pixels (512 or 416 per side). */
const BOX_PX = 1e-3;
const SCORE = 1e-4;
/**
 * NanoDet's raw cells: a box is a softmax-weighted sum over 8 distance bins times the stride (up to 32),
 * so kernel rounding shows more. Measured worst cell on the 20 photos: under 1e-3 px on an AVX2 EPYC,
 * 1.15e-3 px on an AVX-512 Xeon (CI runs on both; each runtime picks its SIMD kernels by CPU). The
 * detections after NMS hold to the same tolerances either way (below).
 */
const NANODET_BOX_PX = 2e-3;

const files = readdirSync(`${ROOT}/data/sample/images`)
  .filter((f) => /\.(jpe?g|png)$/i.test(f))
  .sort();
const images = new Map<string, DecodedImage>();
before(async () => {
  for (const f of files) images.set(f, await decodeImage(SAMPLE(f)));
});

/** Largest |a - b| over a set of index pairs, with where it happened, for messages. */
function worst(pairs: Iterable<[number, number]>): number {
  let max = 0;
  for (const [a, b] of pairs) max = Math.max(max, Math.abs(a - b));
  return max;
}

describe('CenterNet: onnx vs tfjs', () => {
  let onnx: GraphRunner;
  let tfjs: GraphRunner;
  before(async () => {
    [onnx, tfjs] = await Promise.all([loadCenterNetGraph({ runtime: 'onnx' }), loadCenterNetGraph({ runtime: 'tfjs' })]);
  });
  after(async () => {
    await Promise.all([onnx?.dispose(), tfjs?.dispose()]);
  });

  // Measured on the 20 photos: rows scoring >= 0.1 differ by at most 3.1e-4 px; the low-score tail by
  // up to 4e-3 px, and two rows whose scores differ by 1.5e-7 can trade places in the top-100.
  test(`detections tensor on ${files.length} photos: rows scoring >= 0.1 in the same order and class, boxes within ${BOX_PX} px`, async () => {
    let boxMax = 0;
    let tailMax = 0;
    let scoreMax = 0;
    for (const f of files) {
      const { input } = await centerNetInput(images.get(f)!);
      const [[a], [b]] = [await onnx.run(input, CENTERNET_INPUT_SHAPE), await tfjs.run(input, CENTERNET_INPUT_SHAPE)];
      assert.deepEqual(a.dims, [1, 100, 6], f);
      assert.deepEqual(b.dims, [1, 100, 6], f);
      const row = (data: Float32Array, r: number) => data.subarray(r * 6, r * 6 + 6);
      const boxDiff = (o: Float32Array, t: Float32Array) => worst([0, 1, 2, 3].map((i) => [o[i], t[i]]));
      for (let r = 0; r < 100; r++) {
        const o = row(a.data, r);
        const t = row(b.data, r);
        if (o[4] >= 0.1) {
          assert.equal(o[5], t[5], `${f} row ${r}: class ${o[5]} (onnx) vs ${t[5]} (tfjs)`);
          const box = boxDiff(o, t);
          const score = Math.abs(o[4] - t[4]);
          assert.ok(box <= BOX_PX, `${f} row ${r}: box differs by ${box} px`);
          assert.ok(score <= SCORE, `${f} row ${r}: score differs by ${score}`);
          boxMax = Math.max(boxMax, box);
          scoreMax = Math.max(scoreMax, score);
          continue;
        }
        // The tail: the same row exists in tfjs' output (same class, score within 1e-5), maybe one place off.
        let best = Infinity;
        for (let q = Math.max(0, r - 3); q < Math.min(100, r + 4); q++) {
          const c = row(b.data, q);
          if (c[5] === o[5] && Math.abs(c[4] - o[4]) <= 1e-5) best = Math.min(best, boxDiff(o, c));
        }
        assert.ok(best <= 5 * BOX_PX, `${f} row ${r} (score ${o[4]}): no tfjs row within ${5 * BOX_PX} px (${best})`);
        tailMax = Math.max(tailMax, best);
      }
    }
    console.log(
      `CenterNet onnx vs tfjs: rows >= 0.1 max box diff ${boxMax.toExponential(2)} px, score diff ${scoreMax.toExponential(2)}; ` +
        `tail rows ${tailMax.toExponential(2)} px`,
    );
  });
});

describe('NanoDet: onnx vs tfjs', () => {
  let onnx: GraphRunner;
  let tfjs: GraphRunner;
  before(async () => {
    [onnx, tfjs] = await Promise.all([loadNanoDetGraph({ runtime: 'onnx' }), loadNanoDetGraph({ runtime: 'tfjs' })]);
  });
  after(async () => {
    await Promise.all([onnx?.dispose(), tfjs?.dispose()]);
  });

  test(`score maps and decoded boxes of every cell on ${files.length} photos: boxes within ${NANODET_BOX_PX} px`, async () => {
    let boxMax = 0;
    let scoreMax = 0;
    for (const f of files) {
      const { input } = await nanoDetInput(images.get(f)!);
      const a = nanoDetLevels(await onnx.run(input, NANODET_INPUT_SHAPE), 'onnx');
      const b = nanoDetLevels(await tfjs.run(input, NANODET_INPUT_SHAPE), 'tfjs');
      for (let level = 0; level < 3; level++) {
        const score = worst(Array.from(a[level].scores, (v, i) => [v, b[level].scores[i]] as [number, number]));
        assert.ok(score <= SCORE, `${f} grid ${a[level].grid}: scores differ by ${score}`);
        scoreMax = Math.max(scoreMax, score);
        // minScore 0 decodes every cell (scores are sigmoids); the boxes do not depend on the class.
        const da = decodeNanoDetLevel(a[level], 80, 0);
        const db = decodeNanoDetLevel(b[level], 80, 0);
        assert.equal(da.length, a[level].grid ** 2);
        assert.equal(db.length, da.length);
        for (let cell = 0; cell < da.length; cell++) {
          const box = worst([
            [da[cell].x1, db[cell].x1],
            [da[cell].y1, db[cell].y1],
            [da[cell].x2, db[cell].x2],
            [da[cell].y2, db[cell].y2],
          ]);
          assert.ok(box <= NANODET_BOX_PX, `${f} grid ${a[level].grid} cell ${cell}: box differs by ${box} px`);
          boxMax = Math.max(boxMax, box);
          // Where a class is a candidate at all, both runtimes pick the same one.
          if (da[cell].score >= 0.1) assert.equal(da[cell].classIndex, db[cell].classIndex, `${f} grid ${a[level].grid} cell ${cell}`);
        }
      }
    }
    console.log(`NanoDet onnx vs tfjs: max box diff ${boxMax.toExponential(2)} px, max score diff ${scoreMax.toExponential(2)}`);
  });
});

for (const backend of ['centernet', 'nanodet'] as DetectBackend[]) {
  test(`${backend}: the same objects after NMS on ${files.length} photos, and model versions that keep the results apart`, async () => {
    const onnx = await createDetector({ backend, runtime: 'onnx' });
    const tfjs = await createDetector({ backend, runtime: 'tfjs' });
    try {
      assert.equal(onnx.model.id, tfjs.model.id);
      assert.notEqual(onnx.model.version, tfjs.model.version);
      assert.match(onnx.model.version, /\+onnx:[0-9a-f]{12}$/);
      let objects = 0;
      for (const f of files) {
        const a = await onnx.detect(images.get(f)!);
        const b = await tfjs.detect(images.get(f)!);
        assert.deepEqual(
          a.objects.map((o) => o.label),
          b.objects.map((o) => o.label),
          f,
        );
        a.objects.forEach((o, i) => {
          const t = b.objects[i];
          // Scores are stored to 1e-4 and boxes to 0.1 image px: a difference below the tolerance can
          // still flip the last digit.
          assert.ok(Math.abs(o.score - t.score) <= 1.01e-4, `${f} ${o.label}: score ${o.score} vs ${t.score}`);
          for (const k of ['x', 'y', 'width', 'height'] as const) {
            assert.ok(Math.abs(o.box[k] - t.box[k]) <= 0.11, `${f} ${o.label}: box ${JSON.stringify(o.box)} vs ${JSON.stringify(t.box)}`);
          }
        });
        objects += a.objects.length;
      }
      assert.ok(objects >= 20, `only ${objects} objects on the sample photos`);
    } finally {
      await onnx.dispose();
      await tfjs.dispose();
    }
  });
}
