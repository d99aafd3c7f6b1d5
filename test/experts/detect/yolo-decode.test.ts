import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeYolo, detectYoloLayout } from '../../../experts/detect/yolo-decode.ts';

test('anchor-free [1, 4+C, N] layout decodes channel-major rows', () => {
  // C = 2, N = 3; channels: cx, cy, w, h, class0, class1.
  const n = 3;
  const channels = [
    [10, 50, 90],
    [20, 60, 90],
    [4, 10, 2],
    [8, 20, 2],
    [0.9, 0.1, 0.2],
    [0.05, 0.7, 0.1],
  ];
  const data = Float32Array.from(channels.flat());
  const out = decodeYolo(data, [1, 4 + 2, n], 2, 0.25);
  assert.equal(out.length, 2);
  assert.deepEqual(out[0], { x1: 8, y1: 16, x2: 12, y2: 24, score: data[12], classIndex: 0 });
  assert.deepEqual(out[1], { x1: 45, y1: 50, x2: 55, y2: 70, score: data[16], classIndex: 1 });
});

test('objectness [1, N, 5+C] layout multiplies objectness by class probability', () => {
  const rows = [
    [100, 100, 20, 40, 0.8, 0.5, 0.9], // 0.72 for class 1
    [10, 10, 4, 4, 0.2, 1, 1], // objectness below threshold
  ];
  const out = decodeYolo(Float32Array.from(rows.flat()), [1, 2, 7], 2, 0.3);
  assert.equal(out.length, 1);
  assert.equal(out[0].classIndex, 1);
  assert.ok(Math.abs(out[0].score - 0.72) < 1e-6);
  assert.deepEqual([out[0].x1, out[0].y1, out[0].x2, out[0].y2], [90, 80, 110, 120]);
});

test('a shape that fits no layout for the label count names both expected shapes', () => {
  assert.equal(detectYoloLayout([1, 84, 8400], 80), 'anchor-free');
  assert.equal(detectYoloLayout([1, 25200, 85], 80), 'objectness');
  assert.throws(() => detectYoloLayout([1, 84, 8400], 3), /\[1, 7, N\] nor \[1, N, 8\] for 3 labels/);
  assert.throws(() => detectYoloLayout([84, 8400], 80), /must be \[1, 4\+C, N\]/);
});
