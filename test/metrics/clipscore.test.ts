import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  CLIP_SCORE_PREFIX,
  clipPixelValues,
  clipScoresFromEmbeddings,
  computeClipScore,
  type ClipEncoder,
} from '../../metrics/clipscore.ts';

const close = (a: number, b: number, tol = 1e-12) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('CLIP-S = 2.5 · max(cos, 0), computed on unnormalised embeddings', () => {
  const r = clipScoresFromEmbeddings({
    imageIds: ['a', 'b', 'c'],
    images: [
      [2, 0],
      [1, 1],
      [1, 0],
    ],
    candidates: [
      [3, 0],
      [1, 0],
      [-1, 0],
    ],
  });
  close(r.perImage[0].clipScore, 2.5); // same direction
  close(r.perImage[1].clipScore, 2.5 * Math.SQRT1_2); // 45°
  close(r.perImage[2].clipScore, 0); // opposite: clipped at 0
  close(r.clipScore, (2.5 + 2.5 * Math.SQRT1_2) / 3);
  assert.equal(r.refClipScore, null);
});

test('RefCLIP-S = harmonic mean of CLIP-S and the best clipped reference cosine', () => {
  const r = clipScoresFromEmbeddings({
    imageIds: ['a', 'b'],
    images: [
      [1, 0],
      [1, 0],
    ],
    candidates: [
      [1, 0],
      [0, 1],
    ],
    references: [
      [
        [0, 1],
        [1, 1],
      ], // best cosine 1/√2
      [[0, -1]], // cosine -1 → clipped to 0
    ],
  });
  const c = Math.SQRT1_2;
  close(r.perImage[0].refClipScore!, (2 * 2.5 * c) / (2.5 + c));
  close(r.perImage[1].clipScore, 0);
  close(r.perImage[1].refClipScore!, 0); // H-mean(0, 0) is 0, not NaN
  close(r.refClipScore!, (2 * 2.5 * c) / (2.5 + c) / 2);
});

test('without a configured CLIP model the result is "unavailable", never a number', async () => {
  const r = await computeClipScore({ items: [{ imageId: 'x', imagePath: 'data/sample/images/dog.jpg', candidate: 'a dog' }] });
  assert.equal(r.status, 'unavailable');
  assert.ok(!('clipScore' in r));
  assert.match((r as { reason: string }).reason, /benchmark\.clipModel/);
});

test('a configured model folder that is not a CLIP model fails loudly with its path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clip-missing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  await assert.rejects(
    computeClipScore({ model: dir, items: [{ imageId: 'x', imagePath: 'data/sample/images/dog.jpg', candidate: 'a dog' }] }),
    (e: Error) => e.message.includes(dir),
  );
});

test('references are grouped per image and every text gets the "A photo depicts " prefix', async () => {
  // Embeddings keyed by the exact text the encoder receives: any prefix or grouping slip changes the result.
  const table: Record<string, number[]> = {
    [`${CLIP_SCORE_PREFIX}cand one`]: [1, 0],
    [`${CLIP_SCORE_PREFIX}cand two`]: [0, 1],
    [`${CLIP_SCORE_PREFIX}ref 1a`]: [1, 0],
    [`${CLIP_SCORE_PREFIX}ref 2a`]: [1, 0],
    [`${CLIP_SCORE_PREFIX}ref 2b`]: [1, 1],
  };
  const encoder: ClipEncoder = {
    model: 'known-embeddings',
    async embedTexts(texts) {
      return texts.map((t) => {
        assert.ok(table[t], `unexpected text ${JSON.stringify(t)}`);
        return Float32Array.from(table[t]);
      });
    },
    async embedImages(paths) {
      return paths.map(() => Float32Array.from([1, 1]));
    },
    async dispose() {},
  };
  const r = await computeClipScore({
    encoder,
    items: [
      { imageId: 'i1', imagePath: 'unused-1', candidate: 'cand one', references: ['ref 1a'] },
      { imageId: 'i2', imagePath: 'unused-2', candidate: 'cand two', references: ['ref 2a', 'ref 2b'] },
    ],
  });
  assert.equal(r.status, 'ok');
  if (r.status !== 'ok') return;
  const s = 2.5 * Math.SQRT1_2;
  close(r.perImage[0].refClipScore!, (2 * s * 1) / (s + 1), 1e-6);
  close(r.perImage[1].refClipScore!, (2 * s * Math.SQRT1_2) / (s + Math.SQRT1_2), 1e-6);
});

test('image preprocessing: 224×224 centre crop, CHW, CLIP mean/std normalisation', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'clip-px-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'wide.png');
  // 448×224: left half red, right half blue; the centre crop keeps columns 112..335.
  const w = 448;
  const h = 224;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw[(y * w + x) * 3 + (x < w / 2 ? 0 : 2)] = 255;
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toFile(file);
  const px = await clipPixelValues(file);
  assert.equal(px.length, 3 * 224 * 224);
  const at = (c: number, y: number, x: number) => px[c * 224 * 224 + y * 224 + x];
  close(at(0, 100, 10), (1 - 0.48145466) / 0.26862954, 1e-5); // red channel, left part of the crop
  close(at(2, 100, 10), (0 - 0.40821073) / 0.27577711, 1e-5);
  close(at(2, 100, 210), (1 - 0.40821073) / 0.27577711, 1e-5); // blue, right part
});
