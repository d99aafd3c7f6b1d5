/**
 * The ONNX backend end to end with real onnxruntime inference on two tiny YOLO-layout models built by
 * fixtures/make-tiny-yolo.py (no trained YOLO weights exist on this machine; decoding of real exports is
 * covered by yolo-decode.test.ts on known tensors).
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { createDetector } from '../../../experts/detect/index.ts';
import { decodeImage } from '../../../lib/image.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const LABELS = ['red', 'green', 'blue'];

/** 128×128 white image; the model sees it at scale 0.5, so anchor 0 (model 8..24) is image 16..48. */
async function twoSquares() {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="128" height="128">
    <rect width="128" height="128" fill="#ffffff"/>
    <rect x="16" y="16" width="32" height="32" fill="#ff0000"/>
    <rect x="72" y="56" width="48" height="48" fill="#0000ff"/>
  </svg>`;
  return decodeImage(await sharp(Buffer.from(svg)).png().toBuffer());
}

const disposers: (() => Promise<void>)[] = [];
after(async () => {
  for (const d of disposers) await d();
});

for (const [file, expectedScore] of [
  ['yolo-anchor-free.onnx', 1],
  ['yolo-objectness.onnx', 0.9],
] as const) {
  test(`${file}: labels and boxes come back in image pixels`, async () => {
    const detector = await createDetector({ backend: 'onnx', model: path.join(FIXTURES, file), labels: LABELS, minScore: 0.5 });
    disposers.push(() => detector.dispose());
    assert.match(detector.model.id, /^onnx\/yolo-/);
    assert.match(detector.model.version, /^[0-9a-f]{12}\+yolo\.1\+labels:[0-9a-f]{8}$/);
    const out = await detector.detect(await twoSquares());
    assert.deepEqual(out.objects.map((o) => o.label).sort(), ['blue', 'red']);
    const red = out.objects.find((o) => o.label === 'red')!;
    const blue = out.objects.find((o) => o.label === 'blue')!;
    assert.deepEqual(red.box, { x: 16, y: 16, width: 32, height: 32 });
    assert.deepEqual(blue.box, { x: 72, y: 56, width: 48, height: 48 });
    assert.ok(Math.abs(red.score - expectedScore) < 0.01, `red score ${red.score}`);
  });
}

test('a label list that does not match the output names the expected shapes', async () => {
  const detector = await createDetector({ backend: 'onnx', model: path.join(FIXTURES, 'yolo-anchor-free.onnx'), labels: ['a', 'b'] });
  disposers.push(() => detector.dispose());
  await assert.rejects(detector.detect(await twoSquares()), /fits neither \[1, 6, N\] nor \[1, N, 7\] for 2 labels/);
});

test('missing and corrupt ONNX files fail loading with the file name', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-onnx-'));
  const missing = path.join(dir, 'nope.onnx');
  await assert.rejects(
    createDetector({ backend: 'onnx', model: missing }),
    (e: Error) => e.message.includes(missing) && /missing/.test(e.message),
  );
  const corrupt = path.join(dir, 'corrupt.onnx');
  await writeFile(corrupt, 'this is not a protobuf');
  await assert.rejects(
    createDetector({ backend: 'onnx', model: corrupt }),
    (e: Error) => e.message.includes(corrupt) && /corrupt/.test(e.message),
  );
  await assert.rejects(createDetector({ backend: 'onnx' }), /needs a model \(path to a \.onnx file\)/);
});
