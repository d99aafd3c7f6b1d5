/**
 * No Flan-T5 weights exist on this machine, so these tests cover what can be checked without them:
 * where the model is looked for, and the clear errors when it is missing or incomplete.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { configSchema } from '../../../config/schema.ts';
import { createFuser } from '../../../experts/fuse/index.ts';
import { ModelNotFoundError, loadText2Text, resolveText2TextModel } from '../../../experts/fuse/text2text.ts';

const root = mkdtempSync(join(tmpdir(), 'fusecap-t2t-'));
after(() => rmSync(root, { recursive: true, force: true }));

// Enough of a T5 config for transformers.js to pick the encoder-decoder loader and open our ONNX files.
const T5_CONFIG = JSON.stringify({ model_type: 't5', architectures: ['T5ForConditionalGeneration'], decoder_start_token_id: 0 });

function completeModel(dir: string): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'onnx/encoder_model.onnx', 'onnx/decoder_model_merged.onnx']) {
    writeFileSync(join(dir, f), f === 'config.json' ? T5_CONFIG : f.endsWith('.json') ? '{}' : 'not a real onnx file');
  }
}

describe('text2text model resolution', () => {
  test('a hub id is looked up under localModelPath and, without allowRemote, a missing copy is a clear error', () => {
    assert.throws(
      () => resolveText2TextModel({ model: 'Xenova/flan-t5-base', localModelPath: root, allowRemote: false }),
      (error: unknown) => {
        assert.ok(error instanceof ModelNotFoundError);
        assert.match(error.message, /"Xenova\/flan-t5-base" not found at .*fusecap-t2t-.*\/Xenova\/flan-t5-base/);
        assert.match(error.message, /config\.json, tokenizer\.json/);
        assert.match(error.message, /set fuse\.text2text\.allowRemote=true/);
        return true;
      },
    );
  });

  test('with allowRemote a missing hub id resolves to a download', () => {
    const r = resolveText2TextModel({ model: 'Xenova/flan-t5-base', localModelPath: root, allowRemote: true });
    assert.deepEqual(r, { modelId: 'Xenova/flan-t5-base', localModelPath: root, allowRemote: true, folder: null });
  });

  test('a missing local folder is an error even with allowRemote', () => {
    assert.throws(
      () => resolveText2TextModel({ model: join(root, 'nowhere'), localModelPath: 'models', allowRemote: true }),
      /not found at .*nowhere; it needs/,
    );
  });

  test('an incomplete folder names the missing files', () => {
    const dir = join(root, 'partial');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), '{}');
    assert.throws(
      () => resolveText2TextModel({ model: dir, localModelPath: 'models', allowRemote: false }),
      /incomplete: missing tokenizer\.json, onnx\/encoder_model\*\.onnx, onnx\/decoder_model_merged\*\.onnx/,
    );
  });

  test('a complete folder resolves locally, remote loading off', () => {
    const dir = join(root, 'hub', 'Xenova', 'flan-t5-small');
    completeModel(dir);
    assert.deepEqual(resolveText2TextModel({ model: 'Xenova/flan-t5-small', localModelPath: join(root, 'hub'), allowRemote: true }), {
      modelId: 'Xenova/flan-t5-small',
      localModelPath: join(root, 'hub'),
      allowRemote: false,
      folder: dir,
    });
  });

  test('transformers.js refusing corrupt model files surfaces as a clear load error', async () => {
    const dir = join(root, 'corrupt');
    completeModel(dir);
    await assert.rejects(
      loadText2Text({ model: dir, localModelPath: 'models', allowRemote: false, dtype: 'fp32', maxNewTokens: 20, numBeams: 1 }),
      (error: unknown) => {
        assert.ok(error instanceof ModelNotFoundError);
        // The failure comes from onnxruntime parsing *our* file: transformers.js looked in the right place.
        assert.match(error.message, /^loading text2text model ".*corrupt" failed: .*corrupt\/onnx\/encoder_model\.onnx failed/);
        return true;
      },
    );
  });

  test("the fuser reports the missing model on load(), naming the backend's template", async () => {
    const config = configSchema.parse({ fuse: { backend: 'text2text', text2text: { localModelPath: root } } });
    const fuser = createFuser(config.fuse);
    assert.equal(fuser.template, 'fusecap-seq2seq@1');
    assert.deepEqual(fuser.model, { id: 'transformers.js/Xenova/flan-t5-base', version: '7' });
    await assert.rejects(fuser.load(), ModelNotFoundError);
  });
});
