/**
 * The ocr stage on real files: it decodes through lib/image.ts (so grayscale, alpha, CMYK, 16-bit,
 * EXIF-rotated, 1×1 and huge images all work) and reads them with the real default (PP-OCRv6 small) models.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { configSchema } from '../../config/schema.ts';
import { ocrStage } from '../../stages/ocr.ts';
import { StageInputError } from '../../lib/errors.ts';
import type { StageInput } from '../../stages/types.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../data/sample/images');
const STOP = path.join(SAMPLE, 'sign_stop.png');
const config = configSchema.parse({});

function input(file: string): StageInput {
  return {
    image: { id: 'img-1', datasetId: 'ds-1', path: file, sha256: '', width: 0, height: 0, format: null },
    upstream: {},
    captions: [],
    signal: new AbortController().signal,
  };
}

async function texts(file: string): Promise<string[]> {
  return (await ocrStage.run(input(file), config)).lines.map((l) => l.text);
}

describe('ocr stage', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'fusecap-ocr-stage-'));
    await ocrStage.load!(config);
  });
  after(async () => {
    await ocrStage.dispose!();
    await rm(dir, { recursive: true, force: true });
  });

  test('describe: model ref and the params that change the output', () => {
    const d = ocrStage.describe(config);
    assert.deepEqual(d.model, { id: 'paddleocr/pp-ocrv6-small', version: 'det6s-rec6s-cls2.0+1' });
    assert.deepEqual(d.params, { backend: 'paddle', minConfidence: 0.6, maxLines: 20, maxSide: 960, minSide: 0, angleClassifier: true });
    const t = ocrStage.describe(configSchema.parse({ ocr: { backend: 'tesseract', threads: 2 } }));
    assert.equal(t.model.id, 'tesseract/eng-lstm-4.0.0');
    assert.deepEqual(t.params, { backend: 'tesseract', minConfidence: 0.6, maxLines: 20 });
  });

  test('reads a sign; an image without text is an empty result', async () => {
    assert.deepEqual(await texts(STOP), ['STOP']);
    assert.deepEqual(await texts(path.join(SAMPLE, 'chelsea.png')), []);
  });

  test('grayscale, alpha, CMYK, 16-bit and 1×1 images', async () => {
    const gray = path.join(dir, 'gray.png');
    await sharp(STOP).grayscale().png().toFile(gray);
    const alpha = path.join(dir, 'alpha.png');
    // Black text on a fully transparent canvas: decodeImage flattens onto white.
    await sharp(
      Buffer.from(
        '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="120"><text x="20" y="80" font-family="DejaVu Sans" font-size="56" fill="#000">Exit 12</text></svg>',
      ),
    )
      .png()
      .toFile(alpha);
    const cmyk = path.join(dir, 'cmyk.jpg');
    await sharp(STOP).toColourspace('cmyk').jpeg({ quality: 92 }).toFile(cmyk);
    const deep = path.join(dir, 'deep.png');
    await sharp(STOP).toColourspace('rgb16').png().toFile(deep);
    const dot = path.join(dir, 'dot.png');
    await sharp({ create: { width: 1, height: 1, channels: 4, background: '#ff000080' } })
      .png()
      .toFile(dot);
    assert.equal((await sharp(deep).metadata()).depth, 'ushort');
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    assert.deepEqual(await texts(gray), ['STOP']);
    assert.deepEqual(await texts(alpha), ['Exit 12']);
    assert.deepEqual(await texts(cmyk), ['STOP']);
    assert.deepEqual(await texts(deep), ['STOP']);
    assert.deepEqual(await texts(dot), []);
  });

  test('EXIF orientation: boxes are in upright pixels', async () => {
    // Stored rotated 90° counter-clockwise with orientation 6 ("rotate 90° clockwise to view"): upright it is the sign.
    const rotated = path.join(dir, 'exif6.jpg');
    await sharp(STOP).rotate(-90).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toFile(rotated);
    const out = await ocrStage.run(input(rotated), config);
    assert.deepEqual(
      out.lines.map((l) => l.text),
      ['STOP'],
    );
    const box = out.lines[0].box;
    assert.ok(box.width > box.height * 2, `upright box expected, got ${JSON.stringify(box)}`);
    // Where the same word lies in the upright file (the JPEG round trip moves it a pixel or two).
    const upright = (await ocrStage.run(input(STOP), config)).lines[0].box;
    assert.ok(Math.abs(box.x - upright.x) < 8 && Math.abs(box.y - upright.y) < 8, `${JSON.stringify(box)} vs ${JSON.stringify(upright)}`);
  });

  test('a huge image is read at the detector size, boxes in full-resolution pixels', async () => {
    const huge = path.join(dir, 'huge.png');
    await sharp(STOP).resize(4800, 3600).png({ compressionLevel: 1 }).toFile(huge);
    const out = await ocrStage.run(input(huge), config);
    assert.deepEqual(
      out.lines.map((l) => l.text),
      ['STOP'],
    );
    // 7.5× the word's place in the 640×480 original; the detector saw the huge one at its own size.
    const small = (await ocrStage.run(input(STOP), config)).lines[0].box;
    assert.ok(Math.abs(out.lines[0].box.x - 7.5 * small.x) < 90, `${JSON.stringify(out.lines[0].box)} vs 7.5 × ${JSON.stringify(small)}`);
  });

  test('unreadable input is a StageInputError with a code', async () => {
    await assert.rejects(ocrStage.run(input(path.join(dir, 'nope.png')), config), (e: unknown) => {
      assert.ok(e instanceof StageInputError);
      assert.equal(e.code, 'missing_file');
      return true;
    });
    const notImage = path.join(dir, 'notes.png');
    await writeFile(notImage, 'these are not pixels');
    await assert.rejects(ocrStage.run(input(notImage), config), StageInputError);
  });
});
