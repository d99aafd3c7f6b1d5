/**
 * The captioner's resize must give Pillow's pixels exactly (the trainer resizes with PIL BICUBIC), and
 * the whole pre-processing (decode → resize → normalise) the trainer's float32 tensor bit for bit.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { resizeBicubic, toPixelValues } from '../../captioner/preprocess.ts';
import { decodeImage } from '../../lib/image.ts';
import { PYTHON, SAMPLE_IMAGES } from '../trainer/fixture.ts';
import { TRAINER_PACKAGE_ROOT } from '../../captioner/train-process.ts';

let work: string;
before(() => (work = mkdtempSync(path.join(os.tmpdir(), 'fusecap-preprocess-'))));
after(() => rmSync(work, { recursive: true, force: true }));

function python(code: string, args: string[]): Buffer {
  return execFileSync(PYTHON, ['-c', code, ...args], { env: { ...process.env, PYTHONPATH: TRAINER_PACKAGE_ROOT }, maxBuffer: 64 << 20 });
}

const PIL_RESIZE = `
import sys
from PIL import Image
w, h, ow, oh = map(int, sys.argv[2:6])
im = Image.frombytes("RGB", (w, h), open(sys.argv[1], "rb").read())
sys.stdout.buffer.write(im.resize((ow, oh), Image.Resampling.BICUBIC).tobytes())
`;

test('resizeBicubic equals PIL BICUBIC byte for byte (shrink, enlarge, mixed)', () => {
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
  for (const [w, h, ow, oh] of [
    [640, 480, 64, 64],
    [30, 17, 64, 64],
    [100, 20, 64, 64],
    [333, 999, 384, 384],
    [100, 100, 120, 90],
    [100, 100, 130, 120],
  ]) {
    const data = Buffer.alloc(w * h * 3);
    for (let i = 0; i < data.length; i++) data[i] = random();
    const file = path.join(work, `img-${w}x${h}.rgb`);
    writeFileSync(file, data);
    const expected = python(PIL_RESIZE, [file, String(w), String(h), String(ow), String(oh)]);
    const actual = resizeBicubic({ data, width: w, height: h, channels: 3 }, ow, oh);
    assert.equal(actual.length, expected.length);
    const differing = actual.reduce((n, v, i) => n + (v !== expected[i] ? 1 : 0), 0);
    assert.equal(differing, 0, `${w}×${h} → ${ow}×${oh}: ${differing} bytes differ from PIL`);
  }
});

const TRAINER_PIXELS = `
import sys, numpy as np
from fusecap_trainer.data import load_image, preprocess
size = int(sys.argv[1])
sys.stdout.buffer.write(np.stack([preprocess(load_image(p), size).numpy() for p in sys.argv[2:]]).astype(np.float32).tobytes())
`;

/** Sample images with an embedded ICC profile (rocket.jpg: Adobe RGB 1998). */
const WITH_ICC_PROFILE = new Set(['rocket.jpg']);

test('decode + resize + normalise equals the trainer on every sample image (JPEG, PNG, signs)', async () => {
  const size = 64;
  const norm = { size, mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] };
  const expectedBytes = python(TRAINER_PIXELS, [String(size), ...SAMPLE_IMAGES]);
  const expected = new Float32Array(expectedBytes.buffer, expectedBytes.byteOffset, expectedBytes.length / 4);
  const per = 3 * size * size;
  for (const [i, file] of SAMPLE_IMAGES.entries()) {
    const pixels = new Float32Array(per);
    toPixelValues(await decodeImage(file), norm, pixels);
    let maxDiff = 0;
    for (let j = 0; j < per; j++) maxDiff = Math.max(maxDiff, Math.abs(pixels[j] - expected[i * per + j]));
    if (WITH_ICC_PROFILE.has(path.basename(file))) {
      // sharp (libvips) and PIL (lcms) convert the embedded profile to sRGB one level apart on a few pixels.
      assert.ok(maxDiff <= 2 / 255 / 0.26, `${path.basename(file)}: max |node - trainer| = ${maxDiff}`);
    } else assert.equal(maxDiff, 0, `${path.basename(file)}: max |node - trainer| = ${maxDiff}`);
  }
});
