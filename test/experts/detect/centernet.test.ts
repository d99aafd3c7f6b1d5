/**
 * CenterNet (default backend, default runtime onnx) pinned on real photos from the sample set, with
 * tolerance: scores ±0.08, boxes ±12 px. Reference values measured on this machine with the tfjs wasm
 * backend; runtime-parity.test.ts shows the onnx runtime gives the same objects.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createDetector, type Detector } from '../../../experts/detect/index.ts';
import type { DetectedObject, DetectOutput } from '../../../experts/types.ts';
import { decodeImage } from '../../../lib/image.ts';
import { COCO_80 } from '../../../experts/detect/coco-labels.ts';
import { tf } from '../../../experts/detect/tfjs-runtime.ts';
import { countOf, labelsOf, SAMPLE } from './helpers.ts';

let detector: Detector;
before(async () => {
  detector = await createDetector({});
});
after(async () => {
  await detector.dispose();
});

async function detect(name: string): Promise<DetectOutput> {
  return detector.detect(await decodeImage(SAMPLE(name)));
}

function near(actual: DetectedObject, label: string, score: number, box: [number, number, number, number]): void {
  assert.equal(actual.label, label);
  assert.ok(Math.abs(actual.score - score) < 0.08, `${label} score ${actual.score} vs ${score}`);
  const got = [actual.box.x, actual.box.y, actual.box.width, actual.box.height];
  got.forEach((v, i) => assert.ok(Math.abs(v - box[i]) < 12, `${label} box ${got} vs ${box}`));
}

/** Labels no sample photo should produce: a sign that class indices or pre-processing went wrong. */
function assertOnlyPlausible(out: DetectOutput, allowed: string[]): void {
  for (const o of out.objects) assert.ok(allowed.includes(o.label), `unexpected "${o.label}" ${o.score} in ${labelsOf(out)}`);
}

test('model ref names the package version, the post-processing version and the converted file', () => {
  assert.equal(detector.model.id, 'human-models/centernet');
  assert.match(detector.model.version, /^\d+\.\d+\.\d+\+lb-tl\.\d+\+onnx:[0-9a-f]{12}$/);
});

test('dog.jpg: dog, bicycle and a car, boxes in pixels of the 768×576 photo', async () => {
  const out = await detect('dog.jpg');
  assert.equal(out.imageWidth, 768);
  assert.equal(out.imageHeight, 576);
  const by = (label: string) => out.objects.find((o) => o.label === label)!;
  near(by('bicycle'), 'bicycle', 0.53, [117, 135, 446, 338]);
  near(by('car'), 'car', 0.5, [469, 78, 212, 88]);
  near(by('dog'), 'dog', 0.38, [126, 211, 183, 326]);
  assertOnlyPlausible(out, ['dog', 'bicycle', 'car', 'truck']);
  for (let i = 1; i < out.objects.length; i++) assert.ok(out.objects[i - 1].score >= out.objects[i].score, 'sorted by score');
});

test('horses.jpg: at least three horses, no duplicate boxes after NMS', async () => {
  const out = await detect('horses.jpg');
  assert.ok(countOf(out, 'horse') >= 3, labelsOf(out).join(','));
  assertOnlyPlausible(out, ['horse', 'cow', 'sheep']);
  near(out.objects[0], 'horse', 0.7, [433, 210, 169, 137]);
});

test('chelsea.png: a cat (letterboxed input; stretched input calls it a dog)', async () => {
  const out = await detect('chelsea.png');
  assert.deepEqual(labelsOf(out), ['cat']);
  near(out.objects[0], 'cat', 0.49, [0, 4, 415, 292]);
});

const EXPECTED: [string, string[], string[]][] = [
  ['person.jpg', ['person', 'dog'], ['person', 'dog', 'horse', 'cow', 'sheep']],
  ['giraffe.jpg', ['giraffe'], ['giraffe', 'zebra']],
  ['coffee.png', ['cup'], ['cup', 'dining table', 'bowl', 'spoon']],
  ['astronaut.png', ['person'], ['person']],
  ['motorcycle_left.png', ['motorcycle'], ['motorcycle', 'bicycle']],
];
for (const [file, must, allowed] of EXPECTED) {
  test(`${file}: finds ${must.join(' + ')} and nothing absurd`, async () => {
    const out = await detect(file);
    for (const label of must) assert.ok(labelsOf(out).includes(label), `${label} not in ${labelsOf(out)}`);
    assertOnlyPlausible(out, allowed);
  });
}

test('photos with no COCO object give an empty list, not an error', async () => {
  for (const file of ['text.png', 'flower.jpg']) {
    const out = await detect(file);
    assert.deepEqual(out.objects, [], file);
  }
});

test('every label is a COCO-80 name, every box lies inside the image', async () => {
  const out = await detect('person.jpg');
  for (const o of out.objects) {
    assert.ok(COCO_80.includes(o.label));
    assert.ok(
      o.box.x >= 0 && o.box.y >= 0 && o.box.x + o.box.width <= out.imageWidth + 1e-6 && o.box.y + o.box.height <= out.imageHeight + 1e-6,
    );
  }
});

test('thresholds and maxObjects apply; disposing one detector leaves the others working (each owns its model)', async () => {
  const strict = await createDetector({ minScore: 0.45, maxObjects: 1 });
  try {
    const out = await strict.detect(await decodeImage(SAMPLE('dog.jpg')));
    assert.deepEqual(labelsOf(out), ['bicycle']);
  } finally {
    await strict.dispose();
  }
  assert.ok(labelsOf(await detect('chelsea.png')).includes('cat'), 'the other detector still works');
  await assert.rejects(createDetector({ minScore: 2 }), /minScore must be within 0\.\.1/);
  await assert.rejects(createDetector({ backend: 'yolo' as never }), /allowed: centernet, nanodet, onnx, transformers/);
  await assert.rejects(createDetector({ runtime: 'tfjs-node' as never }), /unknown detect runtime "tfjs-node"; allowed: onnx, tfjs/);
  await assert.rejects(createDetector({ onnxThreads: 0 }), /onnxThreads must be a positive integer/);
});

test('runtime tfjs: no tensors leak per image', async () => {
  const tfjs = await createDetector({ runtime: 'tfjs' });
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
