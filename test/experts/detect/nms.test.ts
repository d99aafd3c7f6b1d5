import assert from 'node:assert/strict';
import { test } from 'node:test';
import { classwiseNms, iou } from '../../../experts/detect/nms.ts';

const box = (x: number, y: number, width: number, height: number) => ({ x, y, width, height });

test('iou of identical, disjoint and half-overlapping boxes', () => {
  assert.equal(iou(box(0, 0, 10, 10), box(0, 0, 10, 10)), 1);
  assert.equal(iou(box(0, 0, 10, 10), box(20, 20, 5, 5)), 0);
  assert.ok(Math.abs(iou(box(0, 0, 10, 10), box(5, 0, 10, 10)) - 50 / 150) < 1e-12);
});

test('NMS drops same-label duplicates but keeps overlapping objects of other labels', () => {
  const kept = classwiseNms(
    [
      { label: 'truck', score: 0.32, box: box(472, 81, 213, 85) },
      { label: 'car', score: 0.56, box: box(472, 81, 213, 85) },
      { label: 'bicycle', score: 0.47, box: box(109, 126, 456, 324) },
      { label: 'bicycle', score: 0.49, box: box(109, 122, 455, 320) },
      { label: 'dog', score: 0.43, box: box(125, 208, 188, 335) },
      { label: 'dog', score: 0.1, box: box(400, 400, 10, 10) },
    ],
    { minScore: 0.3, iouThreshold: 0.5, maxObjects: 20 },
  );
  assert.deepEqual(
    kept.map((k) => [k.label, k.score]),
    [
      ['car', 0.56],
      ['bicycle', 0.49],
      ['dog', 0.43],
      ['truck', 0.32],
    ],
  );
});

test('NMS honours maxObjects and drops empty boxes', () => {
  const many = Array.from({ length: 10 }, (_, i) => ({ label: 'kite', score: 0.9 - i * 0.01, box: box(i * 100, 0, 50, 50) }));
  many.push({ label: 'kite', score: 0.99, box: box(0, 0, 0, 50) });
  const kept = classwiseNms(many, { minScore: 0.3, iouThreshold: 0.5, maxObjects: 3 });
  assert.deepEqual(
    kept.map((k) => k.box.x),
    [0, 100, 200],
  );
});
