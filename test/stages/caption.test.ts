/**
 * The caption stage over the tiny export: model id/version from export.json, params that change the
 * output, a caption per image, and clear errors for a missing export or a bad image.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import { captionStage } from '../../stages/caption.ts';
import { StageInputError } from '../../lib/errors.ts';
import type { StageInput } from '../../stages/types.ts';
import { SAMPLE_IMAGES, tinyModel, type TinyModel } from '../trainer/fixture.ts';

let model: TinyModel;
let work: string;
before(() => {
  model = tinyModel();
  work = mkdtempSync(path.join(os.tmpdir(), 'fusecap-caption-stage-'));
});
after(async () => {
  await captionStage.dispose?.();
  rmSync(work, { recursive: true, force: true });
});

function input(file: string): StageInput {
  return {
    image: { id: 'img-1', datasetId: 'ds', path: file, sha256: 'x', width: 0, height: 0, format: null },
    upstream: {},
    captions: [],
    signal: new AbortController().signal,
  };
}

test('describe: model from the export (id from checkpointId, version = export sha), decoding params', () => {
  const config = configSchema.parse({ caption: { exportDir: model.exportDir, checkpointId: 'ckpt-42' } });
  const meta = JSON.parse(readFileSync(path.join(model.exportDir, 'export.json'), 'utf8'));
  const d = captionStage.describe(config);
  assert.deepEqual(d.model, { id: 'fusecap-blip/ckpt-42', version: `${meta.sha256}+decode.1` });
  assert.deepEqual(d.params, { beams: 3, maxLength: 60, prompt: 'a picture of ' });
});

test('run: captions a sample image; captionOf gives the text; greedy config is honoured', async () => {
  const config = configSchema.parse({ caption: { exportDir: model.exportDir } });
  await captionStage.load?.(config);
  const dog = SAMPLE_IMAGES.find((f) => f.endsWith('dog.jpg'))!;
  const out = await captionStage.run(input(dog), config);
  assert.equal(captionStage.captionOf?.(out), out.caption);
  assert.match(out.caption, /dog/);
  assert.equal(out.beams, 3);
  assert.equal(out.model.id, `fusecap-blip/${path.basename(model.exportDir)}`);
  const greedy = await captionStage.run(input(dog), configSchema.parse({ caption: { exportDir: model.exportDir, beams: 1 } }));
  assert.equal(greedy.beams, 1);
  assert.ok(greedy.tokens.length > 0);
});

test('errors: no exportDir configured, unreadable image', async () => {
  assert.throws(() => captionStage.describe(configSchema.parse({})), /caption\.exportDir is not set/);
  const broken = path.join(work, 'broken.jpg');
  writeFileSync(broken, 'not an image');
  const config = configSchema.parse({ caption: { exportDir: model.exportDir } });
  await assert.rejects(captionStage.run(input(broken), config), (e: unknown) => e instanceof StageInputError);
});
