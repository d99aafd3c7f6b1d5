/**
 * The `openai` backend against a real OpenAI-compatible server: llama.cpp's llama-server (from PyPI,
 * installed by setup) serving the real Qwen GGUF, started and stopped here. Captions in schema mode (the
 * server enforces response_format with a grammar) and in text mode, a timeout, and the server killed in
 * the middle of a batch: the images in flight retry against the restarted server, each image ends with
 * exactly one caption, none lost or doubled.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import { DEFAULT_LLAMA_MODEL, modelsDir } from '../../experts/fuse/llama.ts';
import type { FuseOutput } from '../../experts/types.ts';
import { type LlamaServer, startLlamaServer } from '../../services/llama-server.ts';
import { fuseStage } from '../../stages/fuse.ts';
import { TransientStageError } from '../../lib/errors.ts';
import type { StageInput } from '../../stages/types.ts';
import { loadFixture } from '../experts/fuse/fixtures.ts';

const MODEL = join(modelsDir(), DEFAULT_LLAMA_MODEL.file);
const logDir = mkdtempSync(join(tmpdir(), 'fusecap-llama-server-'));
const names = ['sign_stop', 'dog', 'kite', 'beach_sign'];
const fixtures = names.map(loadFixture);

function input(name: string): StageInput {
  const f = fixtures[names.indexOf(name)];
  return {
    image: { id: name, datasetId: 'ds', path: `/data/${f.file}`, sha256: 'x', width: 0, height: 0, format: null },
    upstream: { detect: f.detect, attributes: f.attributes, ocr: f.ocr },
    captions: f.captions,
    signal: new AbortController().signal,
  };
}

const openai = (server: LlamaServer, extra: Record<string, unknown> = {}) =>
  configSchema.parse({
    fuse: {
      backend: 'openai',
      openai: { baseUrl: server.baseUrl, model: 'qwen2.5-coder-1.5b', temperature: 0, maxTokens: 256, timeoutMs: 120_000, ...extra },
    },
  });

describe('openai backend against a real llama-server with the Qwen GGUF', () => {
  let server: LlamaServer;
  before(async () => {
    server = await startLlamaServer({ model: MODEL, parallel: 2, contextPerSlot: 2048, logDir });
  });
  after(async () => {
    await fuseStage.dispose?.();
    await server?.stop();
  });

  test('schema mode: the server returns the JSON reply; caption, claims and grounding are stored', async () => {
    const out = await fuseStage.run(input('sign_stop'), openai(server));
    console.log(`llama-server schema mode: ${out.decision} ${JSON.stringify(out.caption)} ${JSON.stringify(out.claims)}`);
    if (out.decision === 'fallback') assert.ok(out.rejected, `a fallback for grounding, not a bad reply: ${out.fallbackReason}`);
    else {
      assert.equal(out.backend, 'openai');
      assert.ok(out.claims, 'claims parsed from the JSON reply');
    }
    const caption = out.rejected?.caption ?? out.caption;
    assert.match(caption, /STOP/, 'the sign text is quoted');
  });

  test('text mode: a plain caption, no claims', async () => {
    const out = await fuseStage.run(input('dog'), openai(server, { responseFormat: 'text' }));
    const caption = out.rejected?.caption ?? out.caption;
    assert.ok(caption.length > 10 && !caption.trim().startsWith('{'), caption);
    assert.equal(out.claims, undefined);
  });

  test('a reply slower than timeoutMs, retries used up → TransientStageError (the batch retries the image later)', async () => {
    await assert.rejects(
      fuseStage.run(input('kite'), openai(server, { timeoutMs: 150, maxRetries: 1, retryBaseMs: 10 })),
      TransientStageError,
    );
  });

  test('server killed mid-batch: the images in flight retry against the restarted server; one caption each', async () => {
    const config = openai(server, { maxRetries: 10, retryBaseMs: 1000, maxRetryDelayMs: 10_000 });
    const port = server.port;
    const results = new Map<string, FuseOutput>();
    const batch = names.map(async (name) => results.set(name, await fuseStage.run(input(name), config)));
    // Kill once the first reply is in: the others are in flight or queued.
    await Promise.race(batch);
    server.kill();
    await server.stop();
    server = await startLlamaServer({ model: MODEL, parallel: 2, contextPerSlot: 2048, logDir, port });
    await Promise.all(batch);
    assert.deepEqual([...results.keys()].sort(), [...names].sort(), 'every image has its caption');
    const retried = [...results.values()].filter((o) => (o.attempts ?? 1) > 1).length;
    console.log(`server killed mid-batch: ${retried} of ${names.length} images needed a retry`);
    assert.ok(retried >= 1, 'at least one image was in flight when the server died');
  });
});
