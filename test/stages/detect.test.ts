/**
 * The detect stage on real files: decoding through lib/image.ts (grayscale, alpha, CMYK, 16-bit,
 * EXIF-rotated, 1×1, large) and the real CenterNet model. The decoding tests pin the detector itself, so
 * they run with the calibrated thresholds off (the sample's dog scores 0.38, under the calibration's
 * default 0.397 for classes the tuning half saw too rarely); one test runs the default filters.
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
const defaults = configSchema.parse({});
const config = configSchema.parse({ detect: { filters: { thresholds: false } } });

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
    assert.match(d.model.version, /\+lb-tl\.1\+onnx:[0-9a-f]{12}$/);
    // The tfjs runtime is another model version: its results are stored beside the onnx ones.
    const t = detectStage.describe(configSchema.parse({ detect: { runtime: 'tfjs', filters: { thresholds: false } } }));
    assert.equal(t.model.id, d.model.id);
    assert.match(t.model.version, /\+lb-tl\.1$/);
    assert.deepEqual(t.params, d.params);
    const { filters, ...detector } = d.params as { filters: Record<string, unknown> };
    assert.deepEqual(detector, { backend: 'centernet', minScore: 0.3, iouThreshold: 0.5, maxObjects: 20 });
    assert.equal(filters.thresholds, false);
    assert.equal(filters.calibration, null);
    const withDefaults = detectStage.describe(defaults).params.filters as Record<string, unknown>;
    assert.match(String(withDefaults.calibration), /^[0-9a-f]{16}$/);
    assert.equal(withDefaults.classifierModel, 'efficientnet-lite0/imagenet@pypi-0.1.0+onnx.1');
    // the flip filter is named in the params only when on: keys made before it existed stay
    assert.equal('flip' in withDefaults, false);
    const flipped = detectStage.describe(configSchema.parse({ detect: { filters: { flip: true } } })).params.filters as Record<
      string,
      unknown
    >;
    assert.deepEqual([flipped.flip, flipped.flipMinIou], [true, 0.5]);
    const n = detectStage.describe(configSchema.parse({ detect: { backend: 'nanodet', minScore: 0.4 } }));
    assert.equal(n.model.id, 'human-models/nanodet');
    assert.equal(n.params.minScore, 0.4);
  });

  test('dog.jpg: dog, bicycle, car', async () => {
    const out = await detectStage.run(input(path.join(SAMPLE, 'dog.jpg')), config);
    const labels = out.objects.map((o) => o.label);
    for (const l of ['dog', 'bicycle', 'car']) assert.ok(labels.includes(l), labels.join(','));
  });

  test('default filters: the dog at 0.38 and the bicycle at 0.53 fall under the calibrated default threshold, and are accounted for', async () => {
    // The calibration's precision target is 0.95 (the CHAIR_i target): its default threshold, 0.55, is
    // stricter than a dog or a bicycle the tuning half never showed would need; the car has a
    // threshold of its own (0.30) and stays.
    const out = await detectStage.run(input(path.join(SAMPLE, 'dog.jpg')), defaults);
    const f = out.filters!;
    assert.equal(f.seen, f.kept + f.dropped.length);
    for (const label of ['dog', 'bicycle']) {
      const d = f.dropped.find((x) => x.label === label);
      assert.ok(d && d.reason === 'below_calibrated_threshold', JSON.stringify(f.dropped));
    }
    assert.deepEqual(
      out.objects.map((o) => o.label),
      ['car'],
    );
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
        assert.deepEqual({ ...out, filters: undefined }, { imageWidth: 1, imageHeight: 1, objects: [], filters: undefined });
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
