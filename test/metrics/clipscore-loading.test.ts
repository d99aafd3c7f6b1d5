/**
 * The real CLIP loading path (metrics/clipscore.ts → transformers.js → onnxruntime) on a tiny CLIP with
 * random, seeded weights built by test/metrics/tiny_clip.py, checked against PyTorch running the same
 * weights. No CLIP ViT-B/32 weights exist on this machine, so this verifies loading, tokenization, pixel
 * pipeline and ONNX graphs — not CLIPScore values of a trained model.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  CLIP_SCORE_PREFIX,
  clipPixelValues,
  clipScoresFromEmbeddings,
  computeClipScore,
  loadClipEncoder,
} from '../../metrics/clipscore.ts';
import { REPO_ROOT } from '../../lib/paths.ts';
import { venvPython } from '../../metrics/coco/toolkit-paths.ts';

const SCRIPT = join(REPO_ROOT, 'test/metrics/tiny_clip.py');
const DOG = join(REPO_ROOT, 'data/sample/images/dog.jpg');
const HORSES = join(REPO_ROOT, 'data/sample/images/horses.jpg');

function python(args: string[]): string {
  const r = spawnSync(venvPython(), [SCRIPT, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, r.stderr.slice(-3000));
  return r.stdout;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('a CLIP model folder loads through transformers.js and embeds like PyTorch on the same weights', { timeout: 240_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tiny-clip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const model = join(dir, 'clip-tiny');
  python(['build', model]);

  const texts = [
    `${CLIP_SCORE_PREFIX}a dog sitting on a porch next to a bicycle`,
    `${CLIP_SCORE_PREFIX}horses`,
    `${CLIP_SCORE_PREFIX}${'very long '.repeat(60)}`,
  ];
  const encoder = await loadClipEncoder(model);
  const oursText = await encoder.embedTexts(texts);
  const oursImage = await encoder.embedImages([DOG, HORSES]);
  await encoder.dispose();

  const pixels = [Array.from(await clipPixelValues(DOG)), Array.from(await clipPixelValues(HORSES))];
  const input = join(dir, 'embed.json');
  writeFileSync(input, JSON.stringify({ texts, pixels }));
  const ref = JSON.parse(python(['embed', model, input])) as { text: number[][]; image: number[][] };

  for (let i = 0; i < texts.length; i++) assert.ok(maxAbsDiff(oursText[i], ref.text[i]) < 1e-4, `text ${i}`);
  for (let i = 0; i < 2; i++) assert.ok(maxAbsDiff(oursImage[i], ref.image[i]) < 1e-4, `image ${i}`);

  const result = await computeClipScore({
    model,
    items: [
      {
        imageId: 'dog',
        imagePath: DOG,
        candidate: 'a dog sitting on a porch next to a bicycle',
        references: ['horses', 'a dog sitting on a porch next to a bicycle'],
      },
      { imageId: 'horses', imagePath: HORSES, candidate: 'horses', references: ['horses'] },
    ],
  });
  assert.equal(result.status, 'ok');
  if (result.status !== 'ok') return;
  const expected = clipScoresFromEmbeddings({
    imageIds: ['dog', 'horses'],
    images: ref.image,
    candidates: [ref.text[0], ref.text[1]],
    references: [[ref.text[1], ref.text[0]], [ref.text[1]]],
  });
  assert.ok(Math.abs(result.clipScore - expected.clipScore) < 1e-4);
  assert.ok(Math.abs(result.refClipScore! - expected.refClipScore!) < 1e-4);
});
