/** NanoDet (second tfjs backend) on real photos; GFL box decoding checked against a known distribution. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDetector, type Detector } from '../../../experts/detect/index.ts';
import { decodeNanoDetLevel } from '../../../experts/detect/nanodet.ts';
import { decodeImage } from '../../../lib/image.ts';
import { labelsOf, SAMPLE } from './helpers.ts';

let detector: Detector;
before(async () => {
  detector = await createDetector({ backend: 'nanodet' });
});
after(async () => {
  await detector.dispose();
});

test('decodeNanoDetLevel: distances are the softmax expectation × stride from the cell centre', () => {
  // One 1×1 grid cell, stride 32, 2 classes; left/top/right/bottom distributions peaked on bins 1, 2, 3, 0.
  const dist = new Float32Array(44).fill(-50);
  [1, 2, 3, 0].forEach((bin, side) => (dist[side * 11 + bin] = 50));
  const out = decodeNanoDetLevel({ grid: 1, stride: 32, scores: Float32Array.from([0.2, 0.6]), distributions: dist }, 2, 0.3);
  assert.equal(out.length, 1);
  assert.equal(out[0].classIndex, 1);
  const got = [out[0].x1, out[0].y1, out[0].x2, out[0].y2];
  [16 - 32, 16 - 64, 16 + 96, 16].forEach((v, i) => assert.ok(Math.abs(got[i] - v) < 1e-6, `${got}`));
  assert.throws(
    () => decodeNanoDetLevel({ grid: 2, stride: 8, scores: new Float32Array(3), distributions: dist }, 2, 0.3),
    /do not fit 2 classes/,
  );
});

test('dog.jpg: dog, bicycle and car with boxes agreeing with CenterNet’s', async () => {
  assert.equal(detector.model.id, 'human-models/nanodet');
  const out = await detector.detect(await decodeImage(SAMPLE('dog.jpg')));
  for (const label of ['dog', 'bicycle', 'car']) assert.ok(labelsOf(out).includes(label), `${label} not in ${labelsOf(out)}`);
  const dog = out.objects.find((o) => o.label === 'dog')!;
  // CenterNet puts the dog at [126, 211, 183, 326]; the two models agree within ~15 px.
  [dog.box.x - 126, dog.box.y - 211, dog.box.width - 183, dog.box.height - 326].forEach((d) =>
    assert.ok(Math.abs(d) < 20, JSON.stringify(dog.box)),
  );
});

test('chelsea.png: a cat', async () => {
  const out = await detector.detect(await decodeImage(SAMPLE('chelsea.png')));
  assert.deepEqual(labelsOf(out), ['cat']);
});

test('runtime tfjs: no tensors leak per image', async () => {
  const { tf } = await import('../../../experts/detect/tfjs-runtime.ts');
  const tfjs = await createDetector({ backend: 'nanodet', runtime: 'tfjs' });
  try {
    const image = await decodeImage(SAMPLE('horses.jpg'));
    await tfjs.detect(image);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) await tfjs.detect(image);
    assert.equal(tf.memory().numTensors, before);
  } finally {
    await tfjs.dispose();
  }
});
