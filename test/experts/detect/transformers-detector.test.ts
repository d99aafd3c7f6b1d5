/**
 * transformers.js detectors (DETR / OWL-ViT). No such weights exist on this machine, so what is tested is
 * model resolution and the failure path; detection itself is unverified here.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createDetector } from '../../../experts/detect/index.ts';
import { resolveTransformersModel } from '../../../lib/model-files.ts';

test('hub ids pass through; local folders resolve to transformers.js root + name', async () => {
  assert.deepEqual(resolveTransformersModel('Xenova/detr-resnet-50'), { local: false, id: 'Xenova/detr-resnet-50' });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-tfm-'));
  const folder = path.join(dir, 'owlvit');
  await mkdir(folder);
  await writeFile(path.join(folder, 'config.json'), '{}');
  assert.deepEqual(resolveTransformersModel(folder), { local: true, root: dir + path.sep, id: 'owlvit' });
});

test('a local folder without config.json is refused with its path', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-tfm-'));
  await assert.rejects(
    createDetector({ backend: 'transformers', model: dir }),
    (e: Error) => e.message.includes(dir) && /no config\.json/.test(e.message),
  );
});

test('a local folder with a config but no ONNX weights fails loading offline, naming the model', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-tfm-'));
  const folder = path.join(dir, 'detr-empty');
  await mkdir(folder);
  await writeFile(path.join(folder, 'config.json'), JSON.stringify({ model_type: 'detr', architectures: ['DetrForObjectDetection'] }));
  await assert.rejects(
    createDetector({ backend: 'transformers', model: folder }),
    (e: Error) => /object-detection model/.test(e.message) && e.message.includes(folder),
  );
  await assert.rejects(createDetector({ backend: 'transformers' }), /needs a model \(local folder or hub id\)/);
});
