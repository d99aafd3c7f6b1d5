/**
 * The `llama` backend's bad inputs, with the real model files setup installs: a truncated GGUF, a file
 * that is not a GGUF, a sha256 that does not match, a base model without a chat template (Gemma 3 270M),
 * a prompt that cannot fit the context (a page of OCR text), and replies that break the schema. The
 * cases that need the model to generate (a reply cut off at the token limit, an instruction written on a
 * sign) are in test/manual/llama-generation.test.ts: minutes per case on the 2-core CI machines.
 */
import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema } from '../../../config/schema.ts';
import { createFuser } from '../../../experts/fuse/index.ts';
import { DEFAULT_LLAMA_MODEL, LlamaModelError, llamaThreads, loadLlama, modelsDir } from '../../../experts/fuse/llama.ts';
import { parseReply, ReplySchemaError } from '../../../experts/fuse/reply.ts';
import { loadFixture } from './fixtures.ts';
import { disposedAfterBlock, llamaFuseConfig } from '../../support/llama.ts';

const QWEN = join(modelsDir(), DEFAULT_LLAMA_MODEL.file);
const GEMMA = join(modelsDir(), 'gemma-3-270m-q4_k_m.gguf');
const dir = mkdtempSync(join(tmpdir(), 'fusecap-llama-bad-'));
const rejectsWith = (code: string) => (e: unknown) => e instanceof LlamaModelError && e.code === code;

describe('llama backend: CPU threads', () => {
  // node-llama-cpp's own CPU default is max(4, cores); 4 threads on 2 cores made one caption 190 s, not 17 s.
  test('0 means one per core, and more than the cores is capped', () => {
    assert.equal(llamaThreads(0, 2), 2);
    assert.equal(llamaThreads(1, 2), 1);
    assert.equal(llamaThreads(4, 2), 2);
    assert.equal(llamaThreads(8, 16), 8);
  });
});

describe('llama backend: bad model files are refused at load with a code', () => {
  test('a truncated GGUF (the first 24 MB of the real one)', async () => {
    const part = join(dir, 'truncated.gguf');
    const buf = Buffer.alloc(24 << 20);
    const fd = openSync(QWEN, 'r');
    readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    writeFileSync(part, buf);
    await assert.rejects(loadLlama({ ...llamaFuseConfig().llama, model: part }), rejectsWith('gguf_unreadable'));
  });

  test('a file that is not a GGUF', async () => {
    const text = join(dir, 'notes.gguf');
    writeFileSync(text, 'this is not a model\n');
    await assert.rejects(loadLlama({ ...llamaFuseConfig().llama, model: text }), rejectsWith('gguf_invalid'));
  });

  test('a sha256 that does not match the file', async () => {
    await assert.rejects(
      loadLlama({ ...llamaFuseConfig().llama, model: GEMMA, sha256: DEFAULT_LLAMA_MODEL.sha256 }),
      (e: unknown) => rejectsWith('sha256_mismatch')(e) && /expected cc324af0/.test((e as Error).message),
    );
  });

  test('a base model without a chat template (Gemma 3 270M)', async () => {
    await assert.rejects(loadLlama({ ...llamaFuseConfig().llama, model: GEMMA }), rejectsWith('no_chat_template'));
  });
});

describe('llama backend: replies that cannot be used become counted fallbacks', () => {
  const page = loadFixture('page');
  const disposed = disposedAfterBlock();

  test('a prompt that cannot fit the context (a page of OCR text, 512 tokens): fallback, nothing generated', async () => {
    const config = configSchema.parse({
      fuse: { backend: 'llama', llama: { parallel: 1, contextSize: 512 }, maxTextWords: 100, maxTextBlocks: 20 },
    }).fuse;
    const fuser = disposed(createFuser(config));
    const out = await fuser.fuse({ original: page.captions[0], detect: page.detect, attributes: page.attributes, ocr: page.ocr });
    assert.equal(out.decision, 'fallback');
    assert.match(out.fallbackReason ?? '', /does not fit the context/);
  });

  test('replies that break the schema are refused by the parser', () => {
    assert.throws(() => parseReply('a dog on a porch'), ReplySchemaError);
    assert.throws(() => parseReply('{"caption": "a dog", "objects": ["dog"]}'), /attributes/);
    assert.throws(() => parseReply('{"caption": "", "objects": [], "attributes": [], "texts": []}'), /caption/);
    assert.throws(() => parseReply('{"caption": "a dog", "objects": "dog", "attributes": [], "texts": []}'), /objects/);
    assert.deepEqual(parseReply('```json\n{"caption": " a  dog ", "objects": ["dog", "dog"], "attributes": [], "texts": []}\n```'), {
      caption: 'a dog',
      objects: ['dog'],
      attributes: [],
      texts: [],
    });
  });
});
