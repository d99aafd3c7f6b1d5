/**
 * The detect stage on real files: decoding through lib/image.ts (grayscale, alpha, CMYK, 16-bit,
 * EXIF-rotated, 1×1, large) and the real CenterNet model.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { configSchema } from '../../config/schema.ts';
import { detectStage } from '../../stages/detect.ts';
import { StageInputError } from '../../lib/errors.ts';
import type { StageInput } from '../../stages/types.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../data/sample/images');
const config = configSchema.parse({});

function input(file: string): StageInput {
  return {
    image: { id: 'img-1', datasetId: 'ds-1', path: file, sha256: '', width: 0, height: 0, format: null },
    upstream: {},
    captions: [],
    signal: new AbortController().signal,
  };
}

describe('detect stage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fusecap-detect-stage-'));
    await detectStage.load!(config);
  });
  after(async () => {
    await detectStage.dispose!();
    await rm(dir, { recursive: true, force: true });
  });

  test('describe: model ref and the params that change the output, without loading', () => {
    const d = detectStage.describe(config);
    assert.equal(d.model.id, 'human-models/centernet');
    assert.match(d.model.version, /\+lb-tl\.1$/);
    assert.deepEqual(d.params, { backend: 'centernet', minScore: 0.3, iouThreshold: 0.5, maxObjects: 20 });
    const n = detectStage.describe(configSchema.parse({ detect: { backend: 'nanodet', minScore: 0.4 } }));
    assert.equal(n.model.id, 'human-models/nanodet');
    assert.equal(n.params.minScore, 0.4);
  });

  test('dog.jpg: dog, bicycle, car', async () => {
    const out = await detectStage.run(input(path.join(SAMPLE, 'dog.jpg')), config);
    const labels = out.objects.map((o) => o.label);
    for (const l of ['dog', 'bicycle', 'car']) assert.ok(labels.includes(l), labels.join(','));
  });

  test('EXIF-rotated, grayscale, alpha, CMYK, 16-bit, 1×1 and 5000-px files all run', async () => {
    const src = path.join(SAMPLE, 'dog.jpg');
    const files: Record<string, Buffer> = {
      'exif6.jpg': await sharp(src).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer(),
      'gray.png': await sharp(src).grayscale().png().toBuffer(),
      'alpha.png': await sharp(src).ensureAlpha(0.5).png().toBuffer(),
      'cmyk.jpg': await sharp(src).toColourspace('cmyk').jpeg().toBuffer(),
      'rgb16.png': await sharp(src).toColourspace('rgb16').png().toBuffer(),
      'big.jpg': await sharp(src).resize(5120, 3840).jpeg({ quality: 85 }).toBuffer(),
      'one.png': await sharp({ create: { width: 1, height: 1, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } } })
        .png()
        .toBuffer(),
    };
    for (const [name, buf] of Object.entries(files)) {
      const file = path.join(dir, name);
      await writeFile(file, buf);
      const out = await detectStage.run(input(file), config);
      if (name === 'one.png') {
        assert.deepEqual(out, { imageWidth: 1, imageHeight: 1, objects: [] });
        continue;
      }
      const scale = name === 'big.jpg' ? 5120 / 768 : 1;
      assert.equal(out.imageWidth, 768 * scale, name);
      assert.equal(out.imageHeight, 576 * scale, name);
      const dog = out.objects.find((o) => o.label === 'dog');
      assert.ok(dog, `${name}: ${out.objects.map((o) => o.label)}`);
      // The dog's box in dog.jpg is about [126, 211, 183, 326]: the same place whatever the encoding.
      assert.ok(Math.abs(dog.box.x / scale - 126) < 15 && Math.abs(dog.box.y / scale - 211) < 15, `${name}: ${JSON.stringify(dog.box)}`);
    }
  });

  test('an image without objects gives an empty list', async () => {
    const out = await detectStage.run(input(path.join(SAMPLE, 'text.png')), config);
    assert.deepEqual(out.objects, []);
  });

  test('missing and corrupt files are StageInputErrors with a code', async () => {
    await assert.rejects(
      detectStage.run(input(path.join(dir, 'nope.jpg')), config),
      (e: unknown) => e instanceof StageInputError && e.code === 'missing_file',
    );
    const bad = path.join(dir, 'bad.jpg');
    await writeFile(bad, Buffer.from('not an image at all'));
    await assert.rejects(detectStage.run(input(bad), config), (e: unknown) => e instanceof StageInputError);
  });
});
