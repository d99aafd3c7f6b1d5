import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import { fuseStage } from '../../stages/fuse.ts';
import { StageInputError, TransientStageError } from '../../lib/errors.ts';
import type { StageInput } from '../../stages/types.ts';
import { loadFixture } from '../experts/fuse/fixtures.ts';
import { type LocalServer, completion, sendJson, startServer } from '../experts/fuse/local-server.ts';

const stop = loadFixture('sign_stop');

function input(overrides: Partial<StageInput> = {}): StageInput {
  return {
    image: {
      id: 'img-1',
      datasetId: 'ds-1',
      path: '/data/sample/images/sign_stop.png',
      sha256: 'x',
      width: 640,
      height: 480,
      format: 'png',
    },
    upstream: { detect: stop.detect, attributes: stop.attributes, ocr: stop.ocr },
    captions: stop.captions,
    signal: new AbortController().signal,
    ...overrides,
  };
}

const servers: LocalServer[] = [];
after(async () => {
  await fuseStage.dispose?.();
  await Promise.all(servers.map((s) => s.close()));
});

describe('fuse stage', () => {
  test('describe() puts backend, model, template and ablation into the idempotency key', () => {
    const base = fuseStage.describe(configSchema.parse({}));
    assert.deepEqual(base.model, { id: 'fusecap/grounded-fuser', version: '8' });
    assert.equal(base.params.minColorSide, 24);
    assert.notDeepEqual(fuseStage.describe(configSchema.parse({ fuse: { minColorSide: 8 } })).params, base.params);
    assert.equal(base.params.backend, 'grounded');
    assert.equal(base.params.template, 'none');
    assert.deepEqual(base.params.ablation, { objects: true, attributes: true, ocr: true });
    const ablated = fuseStage.describe(configSchema.parse({ fuse: { ablation: { ocr: false } } }));
    assert.notDeepEqual(ablated.params, base.params);
    const llm = fuseStage.describe(configSchema.parse({ fuse: { backend: 'openai', openai: { model: 'qwen2.5:7b' } } }));
    assert.deepEqual(llm.model, { id: 'openai-compatible/qwen2.5:7b', version: '7' });
    assert.equal(llm.params.template, 'fusecap-chat@3');
    assert.deepEqual(llm.params.grounding, { policy: 'fallback', threshold: 0.8, similarity: 0.75, similarityModel: 'default' });
    assert.equal(llm.params.responseFormat, 'json_schema');
    assert.ok(!JSON.stringify(llm).includes('apiKey'), 'no key material in the key');
    // llama: the model file's sha256 and the prompt version are in the key; parallel (speed only) is not.
    const local = fuseStage.describe(configSchema.parse({ fuse: { backend: 'llama' } }));
    assert.equal(local.params.sha256, 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046');
    assert.equal(local.params.template, 'fusecap-chat@3');
    assert.deepEqual(local.model, { id: 'llama.cpp/qwen2.5-coder-1.5b-instruct-q4_k_m', version: '7+cc324af070c2ecbf' });
    const parallel8 = fuseStage.describe(configSchema.parse({ fuse: { backend: 'llama', llama: { parallel: 8 } } }));
    assert.deepEqual(parallel8, local);
    const t5 = fuseStage.describe(configSchema.parse({ fuse: { backend: 'text2text' } }));
    assert.equal(t5.params.template, 'fusecap-seq2seq@1');
  });

  test('run() fuses the first original caption with the upstream outputs; captionOf() gives the caption', async () => {
    const out = await fuseStage.run(input({ captions: ['a sign on a pole', 'a red sign'] }), configSchema.parse({}));
    assert.equal(out.caption, 'a red sign that reads "STOP" on a pole');
    // a stop sign's "STOP" is what its caption says already: not quoted again
    const stop = await fuseStage.run(input({ captions: ['a stop sign on a pole'] }), configSchema.parse({}));
    assert.equal(stop.caption, 'a red stop sign on a pole');
    assert.equal(out.decision, 'kept');
    assert.equal(out.grounding.score, 1);
    assert.equal(fuseStage.captionOf?.(out), out.caption);
  });

  test('an ablated upstream may be missing; a needed one may not', async () => {
    const config = configSchema.parse({ fuse: { ablation: { ocr: false } } });
    const out = await fuseStage.run(input({ upstream: { detect: stop.detect, attributes: stop.attributes } }), config);
    assert.equal(out.caption, 'a red stop sign on a pole');
    await assert.rejects(
      fuseStage.run(input({ upstream: { detect: stop.detect, attributes: stop.attributes } }), configSchema.parse({})),
      (e: unknown) => e instanceof StageInputError && e.code === 'missing_ocr' && /needs the ocr stage's output/.test(e.message),
    );
  });

  test('bad input is a StageInputError with a code', async () => {
    const config = configSchema.parse({});
    await assert.rejects(
      fuseStage.run(input({ captions: [] }), config),
      (e: unknown) => e instanceof StageInputError && e.code === 'no_caption',
    );
    await assert.rejects(
      fuseStage.run(input({ captions: ['  '] }), config),
      (e: unknown) => e instanceof StageInputError && e.code === 'no_caption',
    );
    await assert.rejects(
      fuseStage.run(input({ upstream: { detect: { objects: 'many' }, attributes: stop.attributes, ocr: stop.ocr } }), config),
      (e: unknown) => e instanceof StageInputError && e.code === 'bad_detect',
    );
  });

  test('protocol: a model server that stays unavailable → TransientStageError; a rejected request → StageInputError; a bad key → plain error', async () => {
    const server = await startServer((req, _i, res) => {
      const body = req.body as { messages: { content: string }[] };
      const caption = body.messages[1].content;
      if (caption.includes('busy')) return sendJson(res, 503, '{}');
      if (caption.includes('too long')) return sendJson(res, 400, '{"error":"context length exceeded"}');
      if (caption.includes('locked')) return sendJson(res, 401, '{"error":"bad key"}');
      sendJson(res, 200, completion('a red stop sign that reads "STOP" on a pole'));
    });
    servers.push(server);
    const config = configSchema.parse({ fuse: { backend: 'openai', openai: { baseUrl: server.baseUrl, maxRetries: 1, retryBaseMs: 10 } } });
    const ok = await fuseStage.run(input(), config);
    assert.equal(ok.backend, 'openai');
    assert.equal(ok.decision, 'kept');
    await assert.rejects(fuseStage.run(input({ captions: ['a busy stop sign'] }), config), TransientStageError);
    await assert.rejects(
      fuseStage.run(input({ captions: ['a stop sign too long'] }), config),
      (e: unknown) => e instanceof StageInputError && e.code === 'llm_rejected',
    );
    await assert.rejects(
      fuseStage.run(input({ captions: ['a locked stop sign'] }), config),
      (e: unknown) => !(e instanceof StageInputError) && !(e instanceof TransientStageError) && /HTTP 401/.test(String(e)),
    );
  });
});
