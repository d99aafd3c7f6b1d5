/**
 * Colours over the object's own pixels on real photos: the U2-Net-p mask (salient.ts), chroma-weighted
 * naming with the survey centroids (object-colors.ts, color-names.ts). The red motorcycle of the sample
 * set (its chrome and tyres outweigh the paint by pixel count) and the red-shirted person of the truth
 * set's tuning half (copy_centre.jpg) must come out red, never gray; the box is the detector's / the
 * annotator's.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { baseColor, nameRgb } from '../../../experts/attributes/color-names.ts';
import { objectColors } from '../../../experts/attributes/object-colors.ts';
import { boxMask, loadSalientMasker, type SalientMasker } from '../../../experts/attributes/salient.ts';
import type { Box } from '../../../experts/types.ts';
import { decodeImage } from '../../../lib/image.ts';

const IMAGES = path.resolve(import.meta.dirname, '../../../data');

let masker: SalientMasker;
before(async () => {
  masker = await loadSalientMasker();
});
after(async () => {
  await masker.dispose();
});

async function colorsOf(file: string, box: Box) {
  const image = await decodeImage(path.join(IMAGES, file));
  const mask = await masker.mask(image, box);
  assert.ok(mask, 'no mask');
  return { masked: objectColors(image, box, 2, { mask, minDominantShare: 0.5 }), image };
}

test('red motorcycle (sample set): red first over its mask; at the default unsure rule, silent rather than gray', async () => {
  const box = { x: 120.1, y: 36.1, width: 556.6, height: 409 };
  const { masked, image } = await colorsOf('sample/images/motorcycle_left.png', box);
  assert.equal(masked.method, 'mask');
  // Red holds ~0.40 of the chroma-weighted mask, under the default 0.5: no colour is stated, and never gray.
  assert.ok(!masked.colors.some((c) => baseColor(c.name) === 'gray'), JSON.stringify(masked));
  const all = objectColors(image, box, 2, { mask: await masker.mask(image, box), minDominantShare: 0 });
  assert.equal(baseColor(all.colors[0].name), 'red', JSON.stringify(all));
  assert.ok(all.colors[0].share > 0.3, JSON.stringify(all));
});

test('red-shirted person (truth tuning half, copy_centre.jpg): red, not gray', async () => {
  const { masked } = await colorsOf('truth/images/copy_centre.jpg', { x: 448, y: 903, width: 40, height: 55 });
  assert.ok(masked.colors.length > 0, JSON.stringify(masked));
  assert.equal(baseColor(masked.colors[0].name), 'red', JSON.stringify(masked));
  assert.ok(!masked.colors.some((c) => baseColor(c.name) === 'gray'), JSON.stringify(masked));
});

test('unsure means silent: a dominant share under minDominantShare states no colour', async () => {
  const image = await decodeImage(path.join(IMAGES, 'truth/images/copy_centre.jpg'));
  const box = { x: 448, y: 903, width: 40, height: 55 };
  const mask = await masker.mask(image, box);
  const loose = objectColors(image, box, 2, { mask, minDominantShare: 0 });
  const strict = objectColors(image, box, 2, { mask, minDominantShare: Math.min(1, loose.colors[0].share + 0.01) });
  assert.deepEqual(strict.colors, []);
});

test('survey centroids: saturated reds are red, navy is dark blue, a tinted grey is gray', () => {
  assert.equal(nameRgb(200, 30, 30), 'red');
  assert.equal(nameRgb(20, 30, 90), 'dark blue');
  assert.equal(nameRgb(110, 135, 160), 'gray');
  assert.equal(nameRgb(250, 120, 10), 'orange');
});

test('one whole-photo mask (maskScope "image"): each box cut out of it at the box size, over the same pixels', async () => {
  const image = await decodeImage(path.join(IMAGES, 'sample/images/motorcycle_left.png'));
  const photo = await masker.maskImage(image);
  assert.deepEqual([photo.imageWidth, photo.imageHeight, photo.values.length], [image.width, image.height, 320 * 320]);
  assert.ok(photo.values.every((v) => v >= 0 && v <= 1));
  const box = { x: 120.1, y: 36.1, width: 556.6, height: 409 };
  const cut = boxMask(photo, box);
  assert.ok(cut);
  assert.deepEqual([cut.left, cut.top, cut.width, cut.height], [120, 36, 557, 410]);
  // The motorcycle is the photo's salient thing: most of its box is masked in.
  const inside = cut.values.filter((v) => v > 0.5).length / cut.values.length;
  assert.ok(inside > 0.3, `share of the box in the photo's mask: ${inside}`);
  const colors = objectColors(image, box, 2, { mask: cut, minDominantShare: 0 });
  assert.equal(colors.method, 'mask');
  assert.equal(baseColor(colors.colors[0].name), 'red', JSON.stringify(colors));
  assert.equal(boxMask(photo, { x: 5, y: 5, width: 4, height: 40 }), null, 'a box under 8 px wide has no mask');
});

test('a box mask keeps the crop rectangle of the photo it came from', async () => {
  const image = await decodeImage(path.join(IMAGES, 'truth/images/copy_centre.jpg'));
  const mask = await masker.mask(image, { x: 448, y: 903, width: 40, height: 55 });
  assert.deepEqual([mask?.left, mask?.top, mask?.width, mask?.height], [448, 903, 40, 55]);
});

test('the free-size copy of U2-Net-p is the same network: at 320 its output equals the shipped file’s', async () => {
  const ort = await import('onnxruntime-node');
  const { setupModelPath } = await import('../../../lib/setup-models.ts');
  const side = 320;
  const input = new Float32Array(3 * side * side);
  for (let i = 0; i < input.length; i++) input[i] = Math.sin(i * 0.37) * 2; // a deterministic non-constant pattern
  const outputs = [];
  for (const file of ['u2netp.onnx', 'u2netp-any-size.onnx']) {
    const session = await ort.InferenceSession.create(setupModelPath(file), { intraOpNumThreads: 1 });
    const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, side, side]) });
    outputs.push(out[session.outputNames[0]].data as Float32Array);
    await session.release();
  }
  let maxDiff = 0;
  for (let i = 0; i < outputs[0].length; i++) maxDiff = Math.max(maxDiff, Math.abs(outputs[0][i] - outputs[1][i]));
  assert.ok(maxDiff < 1e-4, `max |difference| ${maxDiff}`);
});

test('attributes.maskSide: a smaller square gives a plane of that side that still finds the motorcycle; bad sides are refused', async () => {
  const small = await loadSalientMasker(160);
  try {
    const image = await decodeImage(path.join(IMAGES, 'sample/images/motorcycle_left.png'));
    const photo = await small.maskImage(image);
    assert.deepEqual([photo.side, photo.values.length], [160, 160 * 160]);
    const cut = boxMask(photo, { x: 120.1, y: 36.1, width: 556.6, height: 409 });
    assert.ok(cut);
    assert.deepEqual([cut.width, cut.height], [557, 410]);
    const inside = cut.values.filter((v) => v > 0.5).length / cut.values.length;
    assert.ok(inside > 0.3, `share of the box in the 160-px mask: ${inside}`);
  } finally {
    await small.dispose();
  }
  for (const side of [100, 32, 1024]) await assert.rejects(loadSalientMasker(side), /multiple of 32 in 64\.\.640/);
});

test('a damaged mask model file is named, with how to write it again', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'fusecap-u2netp-'));
  const saved = process.env.FUSECAP_MODELS_DIR;
  process.env.FUSECAP_MODELS_DIR = dir;
  try {
    await writeFile(path.join(dir, 'u2netp-any-size.onnx'), 'half a download');
    await assert.rejects(
      loadSalientMasker(),
      (e: Error) => e.message.includes(path.join(dir, 'u2netp-any-size.onnx')) && /setup-vision-models\.sh/.test(e.message),
    );
  } finally {
    if (saved === undefined) delete process.env.FUSECAP_MODELS_DIR;
    else process.env.FUSECAP_MODELS_DIR = saved;
    await rm(dir, { recursive: true, force: true });
  }
});
