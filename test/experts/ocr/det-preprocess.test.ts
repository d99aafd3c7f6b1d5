/** The text detector's input size: the longer side capped, the shorter one enlarged only when asked. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detInputSize } from '../../../experts/ocr/det-preprocess.ts';

test('detInputSize: never enlarged by default, enlarged to minSide but never past maxSide, multiples of 32', () => {
  assert.deepEqual(detInputSize(324, 223, 960), { width: 320, height: 224 });
  assert.deepEqual(detInputSize(2048, 1536, 960), { width: 960, height: 736 });
  // 223 → 736 would need 3.3×, but the longer side may grow only 960 / 324 = 2.96×
  assert.deepEqual(detInputSize(324, 223, 960, 736), { width: 960, height: 672 });
  assert.deepEqual(detInputSize(640, 480, 960, 640), { width: 864, height: 640 });
  // a photo already large enough is left alone, or shrunk by maxSide as before
  assert.deepEqual(detInputSize(1024, 768, 960, 640), detInputSize(1024, 768, 960));
  assert.deepEqual(detInputSize(10, 10, 960, 0), { width: 32, height: 32 });
});
