/**
 * CLIP zero-shot attributes. No CLIP weights exist on this machine: what is tested is option checking
 * and the failure path of loading; scoring itself is unverified here.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { DEFAULT_ATTRIBUTE_VOCABULARY, loadClipAttributes } from '../../../experts/attributes/clip-attributes.ts';
import { attributesModelRef } from '../../../experts/attributes/index.ts';

test('a vocabulary of one word is refused (softmax over one label says nothing)', async () => {
  await assert.rejects(loadClipAttributes({ model: 'openai/clip-vit-base-patch32', vocabulary: ['red'] }), /at least two entries/);
  assert.ok(DEFAULT_ATTRIBUTE_VOCABULARY.length >= 10);
});

test('a local CLIP folder with a config but no ONNX weights fails offline, naming the model', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fusecap-clip-'));
  const folder = path.join(dir, 'clip-empty');
  await mkdir(folder);
  await writeFile(path.join(folder, 'config.json'), JSON.stringify({ model_type: 'clip' }));
  await assert.rejects(
    loadClipAttributes({ model: folder }),
    (e: Error) => e.message.includes(folder) && /attributes\.clipModel/.test(e.message),
  );
});

test('clip model ref names the CLIP model', () => {
  const ref = attributesModelRef({ backend: 'clip', clipModel: 'Xenova/clip-vit-base-patch32' });
  assert.equal(ref.id, 'transformers/Xenova/clip-vit-base-patch32');
  assert.match(ref.version, /clip\.1$/);
});
