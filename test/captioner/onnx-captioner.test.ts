/**
 * The ONNX captioner on a tiny BLIP trained by the project's own trainer (test/trainer/fixture.ts):
 * it captions the sample images, and its tokens equal PyTorch's for the same checkpoint — greedy and
 * beam 3, from the image files (pre-processing included) and from identical pixels (model + decoding
 * alone) — and HF transformers' own greedy `generate`.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CaptionerModelError, createOnnxCaptioner, type OnnxCaptioner } from '../../captioner/onnx-captioner.ts';
import { decodeImage, type DecodedImage } from '../../lib/image.ts';
import { SAMPLE_IMAGES, tinyModel, trainerCli, type TinyModel } from '../trainer/fixture.ts';

let model: TinyModel;
let captioner: OnnxCaptioner;
let images: DecodedImage[];
let work: string;

before(async () => {
  model = tinyModel();
  captioner = await createOnnxCaptioner({ exportDir: model.exportDir, name: 'tiny-test', threads: 2 });
  images = await Promise.all(SAMPLE_IMAGES.map((f) => decodeImage(f)));
  work = mkdtempSync(path.join(os.tmpdir(), 'fusecap-captioner-'));
});
after(async () => {
  await captioner?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface PyResult {
  tokens: number[][];
  captions: string[];
}

function pytorch(source: string[], beams: number, impl: 'own' | 'hf' = 'own'): PyResult {
  const out = trainerCli([
    'generate',
    '--checkpoint',
    model.checkpoint,
    ...source,
    '--beams',
    String(beams),
    '--max-length',
    '60',
    '--prompt',
    'a picture of ',
    '--impl',
    impl,
  ]);
  return JSON.parse(out.trim().split('\n').at(-1)!) as PyResult;
}

describe('onnx captioner', () => {
  test('captions every sample image (beam 3, prompt stripped) under a versioned model id', async () => {
    const captions = await captioner.caption(images);
    assert.equal(captions.length, SAMPLE_IMAGES.length);
    for (const [i, c] of captions.entries()) {
      assert.ok(c.length > 0, `empty caption for ${SAMPLE_IMAGES[i]}`);
      assert.ok(!c.startsWith('a picture of'), `prompt not stripped: ${c}`);
    }
    console.log(captions.map((c, i) => `${path.basename(SAMPLE_IMAGES[i])}: ${c}`).join('\n'));
    assert.equal(captioner.model.id, 'fusecap-blip/tiny-test');
    assert.match(captioner.model.version, /^[0-9a-f]{64}\+decode\.1$/);
    assert.ok(captioner.meta.kv_cache, 'the export has the KV-cached decoder, which the captioner uses by default');
    // The model learned something from the captions it was trained on: the dog photo is about a dog.
    assert.match(captions[SAMPLE_IMAGES.findIndex((f) => f.endsWith('dog.jpg'))], /dog/);
  });

  for (const beams of [1, 3]) {
    test(`same tokens as PyTorch from the image files, ${beams === 1 ? 'greedy' : 'beam 3'}`, async () => {
      const node = await captioner.captionWithTokens(images, { beams, maxLength: 60, prompt: 'a picture of ' });
      const py = pytorch(['--images', ...SAMPLE_IMAGES], beams);
      node.forEach((r, i) => {
        assert.deepEqual(r.tokens, py.tokens[i], `${path.basename(SAMPLE_IMAGES[i])}: node "${r.caption}" vs torch "${py.captions[i]}"`);
        assert.equal(r.caption, py.captions[i]);
      });
    });
  }

  test('same tokens as PyTorch on identical pixels (beam 3, with and without the KV cache), and as HF generate (greedy)', async () => {
    const pixelsFile = path.join(work, 'pixels.f32');
    const pixels = captioner.pixelValues(images);
    writeFileSync(pixelsFile, Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    const py = pytorch(['--pixels', pixelsFile], 3);
    const node = await captioner.captionPixels(pixels, images.length, { beams: 3 });
    assert.deepEqual(
      node.map((r) => r.tokens),
      py.tokens,
    );
    const uncached = await createOnnxCaptioner({ exportDir: model.exportDir, kvCache: false, threads: 2 });
    try {
      assert.deepEqual(
        (await uncached.captionPixels(pixels, images.length, { beams: 3 })).map((r) => r.tokens),
        py.tokens,
      );
    } finally {
      await uncached.dispose();
    }
    const hf = pytorch(['--pixels', pixelsFile], 1, 'hf');
    const nodeGreedy = await captioner.captionWithTokens(images, { beams: 1 });
    assert.deepEqual(
      nodeGreedy.map((r) => r.tokens),
      hf.tokens,
    );
  });

  test('a missing or incomplete export folder is a clear error', async () => {
    await assert.rejects(
      createOnnxCaptioner({ exportDir: path.join(work, 'nope') }),
      (e: unknown) => e instanceof CaptionerModelError && /has no export\.json/.test(e.message),
    );
    const partial = path.join(work, 'partial');
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial);
    writeFileSync(
      path.join(partial, 'export.json'),
      JSON.stringify({ format: 1, files: { vision: 'v.onnx', decoder: 'd.onnx', tokenizer: 'tokenizer.json' } }),
    );
    await assert.rejects(createOnnxCaptioner({ exportDir: partial }), /incomplete: v\.onnx is missing/);
  });
});
