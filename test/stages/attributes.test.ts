/** The attributes stage on real files, reading the detect stage's real output as its upstream. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { configSchema } from '../../config/schema.ts';
import { baseColor } from '../../experts/attributes/color-names.ts';
import type { DetectOutput } from '../../experts/types.ts';
import { attributesStage } from '../../stages/attributes.ts';
import { detectStage } from '../../stages/detect.ts';
import { StageInputError } from '../../lib/errors.ts';
import type { StageInput } from '../../stages/types.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../data/sample/images');
// The detector's calibrated thresholds are off: these tests pin the attribute expert on the detector's own boxes.
const config = configSchema.parse({ detect: { filters: { thresholds: false } } });

function input(file: string, detect?: unknown): StageInput {
  return {
    image: { id: 'img-1', datasetId: 'ds-1', path: file, sha256: '', width: 0, height: 0, format: null },
    upstream: detect === undefined ? {} : { detect },
    captions: [],
    signal: new AbortController().signal,
  };
}

async function detectThenDescribe(file: string) {
  const detect = await detectStage.run(input(file), config);
  return { detect, attrs: await attributesStage.run(input(file, detect), config) };
}

describe('attributes stage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fusecap-attr-stage-'));
    await Promise.all([detectStage.load!(config), attributesStage.load!(config)]);
  });
  after(async () => {
    await attributesStage.dispose!();
    await detectStage.dispose!();
    await rm(dir, { recursive: true, force: true });
  });

  test('describe: model ref and params', () => {
    const d = attributesStage.describe(config);
    assert.equal(d.model.id, 'fusecap/cielab-colors');
    assert.deepEqual(d.params, {
      backend: 'color',
      faces: true,
      maxColors: 2,
      colorMask: true,
      maskObjects: 4,
      maskScope: 'image',
      minColorShare: 0.55,
      people: { minFaceSide: 48, minFaceScore: 0.8, minExpressionScore: 0.6 },
    });
    const noFaces = attributesStage.describe(configSchema.parse({ attributes: { faces: false } }));
    assert.notEqual(noFaces.model.version, d.model.version);
  });

  test('config attributes.maskSide: a smaller side is a new model version; a side the network cannot read is refused', () => {
    const small = attributesStage.describe(configSchema.parse({ attributes: { maskSide: 160 } }));
    assert.equal(small.model.version, `${attributesStage.describe(config).model.version}@160px`);
    for (const maskSide of [100, 32, 1024, 160.5]) {
      const parsed = configSchema.safeParse({ attributes: { maskSide } });
      assert.equal(parsed.success, false, String(maskSide));
      assert.match(parsed.error!.issues[0].message, /attributes\.maskSide must be a multiple of 32 in 64\.\.640/);
    }
  });

  test('horses.jpg: three horses counted', async () => {
    const { attrs } = await detectThenDescribe(path.join(SAMPLE, 'horses.jpg'));
    assert.ok((attrs.counts.horse ?? 0) >= 3);
  });

  test('an EXIF-rotated astronaut: the face is still found (boxes are upright)', async () => {
    const file = path.join(dir, 'astronaut-exif8.jpg');
    // Orientation 8 = turn 90° counter-clockwise to display: store the pixels turned clockwise.
    await writeFile(
      file,
      await sharp(path.join(SAMPLE, 'astronaut.png')).rotate(90).withMetadata({ orientation: 8 }).jpeg({ quality: 95 }).toBuffer(),
    );
    const { attrs } = await detectThenDescribe(file);
    const person = attrs.objects.find((o) => o.label === 'person');
    assert.ok(person?.person?.ageGroup, JSON.stringify(attrs));
  });

  test('grayscale photo: objects described, colours achromatic', async () => {
    const { attrs } = await detectThenDescribe(path.join(SAMPLE, 'camera.png'));
    assert.ok(attrs.objects.length > 0);
    for (const o of attrs.objects) for (const c of o.colors) assert.ok(['black', 'gray', 'white'].includes(baseColor(c.name)), c.name);
  });

  test('no objects: empty result; missing upstream: clear error; changed file: StageInputError', async () => {
    const text = path.join(SAMPLE, 'text.png');
    assert.deepEqual(await attributesStage.run(input(text, { imageWidth: 448, imageHeight: 172, objects: [] }), config), {
      objects: [],
      counts: {},
    });
    await assert.rejects(attributesStage.run(input(text), config), /attributes needs the detect stage's output/);
    const stale: DetectOutput = {
      imageWidth: 100,
      imageHeight: 100,
      objects: [{ label: 'cat', score: 0.9, box: { x: 0, y: 0, width: 50, height: 50 } }],
    };
    await assert.rejects(
      attributesStage.run(input(text, stale), config),
      (e: unknown) => e instanceof StageInputError && e.code === 'detect_size_mismatch',
    );
  });
});
