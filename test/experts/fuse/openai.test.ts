import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { configSchema } from '../../../config/schema.ts';
import { FuseBadResponseError, createFuser } from '../../../experts/fuse/index.ts';
import { LlmRequestError, LlmTransientError, cleanCaption, parseRetryAfter } from '../../../experts/fuse/openai.ts';
import { loadFixture } from './fixtures.ts';
import { type LocalServer, completion, sendJson, startServer } from './local-server.ts';

const KEY = 'sk-test-0123456789abcdef';
const dog = loadFixture('dog');
const request = { original: dog.captions[0], detect: dog.detect, attributes: dog.attributes, ocr: dog.ocr };
const GOOD = 'a black dog sitting on a porch next to a black bike, with a white car';

function fuserFor(server: LocalServer, openai: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  const config = configSchema.parse({
    fuse: {
      backend: 'openai',
      openai: { baseUrl: server.baseUrl, model: 'test-model', apiKeyEnv: 'FUSE_TEST_KEY', retryBaseMs: 20, timeoutMs: 2000, ...openai },
      ...extra,
    },
  });
  return createFuser(config.fuse, { env: { FUSE_TEST_KEY: KEY } });
}

/** Everything written through console.* while `fn` runs. */
async function captureConsole<T>(fn: () => Promise<T>): Promise<{ result: T | undefined; error: unknown; logged: string }> {
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  let logged = '';
  for (const m of methods) console[m] = (...args: unknown[]) => void (logged += args.map(String).join(' ') + '\n');
  try {
    return { result: await fn(), error: undefined, logged };
  } catch (error) {
    return { result: undefined, error, logged };
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]));
  }
}

const servers: LocalServer[] = [];
async function serve(reply: Parameters<typeof startServer>[0]): Promise<LocalServer> {
  const s = await startServer(reply);
  servers.push(s);
  return s;
}
after(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('OpenAI-compatible backend', () => {
  test('protocol: request shape — POST /chat/completions with model, messages, max_tokens and a bearer key', async () => {
    const server = await serve((_req, _i, res) => sendJson(res, 200, completion(GOOD)));
    const out = await fuserFor(server, { maxTokens: 77, temperature: 0.1 }).fuse(request);
    assert.equal(server.requests.length, 1);
    const [req] = server.requests;
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/v1/chat/completions');
    assert.equal(req.headers.authorization, `Bearer ${KEY}`);
    assert.equal(req.headers['content-type'], 'application/json');
    const body = req.body as { model: string; messages: { role: string; content: string }[]; max_tokens: number; temperature: number };
    assert.equal(body.model, 'test-model');
    assert.equal(body.max_tokens, 77);
    assert.equal(body.temperature, 0.1);
    assert.deepEqual(
      body.messages.map((m) => m.role),
      ['system', 'user'],
    );
    assert.match(body.messages[1].content, /Original caption: a dog sitting on a porch next to a bicycle/);
    assert.match(body.messages[1].content, /- 1 dog: black, dark gray; on the left\n/);
    assert.doesNotMatch(body.messages[1].content, /confidence|score|\d\.\d/, 'prompt v2 pastes no scores');
    const format = (req.body as { response_format?: { type: string; json_schema: { schema: { required: string[] } } } }).response_format;
    assert.equal(format?.type, 'json_schema', 'the reply schema goes as response_format');
    assert.deepEqual(format?.json_schema.schema.required, ['caption', 'objects', 'attributes', 'texts']);
    assert.equal(out.caption, GOOD);
    assert.equal(out.backend, 'openai');
    assert.equal(out.template, 'fusecap-chat@3');
    assert.equal(out.decision, 'kept');
    assert.equal(out.grounding.score, 1);
    assert.equal(out.attempts, 1);
  });

  test('protocol: a server that refuses response_format (HTTP 400 naming it) is asked again in plain text, once per client', async () => {
    const server = await serve((req, _i, res) => {
      const body = req.body as { response_format?: unknown };
      if (body.response_format) return sendJson(res, 400, '{"error":{"message":"response_format is not supported"}}');
      sendJson(res, 200, completion(GOOD));
    });
    const fuser = fuserFor(server);
    const out = await fuser.fuse(request);
    assert.equal(out.caption, GOOD);
    assert.equal(out.decision, 'kept');
    assert.equal(out.attempts, 1, 'the refusal is not a failed attempt');
    await fuser.fuse(request);
    assert.equal(server.requests.length, 3, 'the second caption goes straight to plain text');
  });

  test('protocol: a JSON reply in schema mode gives the caption and its claims, checked claim by claim', async () => {
    const reply = { caption: GOOD, objects: ['dog', 'porch', 'bike', 'car'], attributes: ['black dog', 'white car'], texts: [] };
    const server = await serve((_req, _i, res) => sendJson(res, 200, completion(JSON.stringify(reply))));
    const out = await fuserFor(server).fuse(request);
    assert.equal(out.caption, GOOD);
    assert.deepEqual(out.claims, { objects: reply.objects, attributes: reply.attributes, texts: [] });
    assert.equal(out.decision, 'kept');
    const invented = { ...reply, objects: [...reply.objects, 'fire hydrant'], attributes: ['purple dog'] };
    const server2 = await serve((_req, _i, res) => sendJson(res, 200, completion(JSON.stringify(invented))));
    const bad = await fuserFor(server2, {}, { grounding: { policy: 'flag', threshold: 0.95 } }).fuse(request);
    assert.ok(bad.grounding.score < 1);
    assert.equal(bad.decision, 'flagged');
    assert.deepEqual(bad.grounding.ungrounded.map((u) => u.claim).sort(), ['fire hydrant', 'purple dog']);
  });

  test('protocol: no key configured → no Authorization header', async () => {
    const server = await serve((_req, _i, res) => sendJson(res, 200, completion(GOOD)));
    const config = configSchema.parse({ fuse: { backend: 'openai', openai: { baseUrl: server.baseUrl, apiKeyEnv: 'FUSE_TEST_KEY' } } });
    await createFuser(config.fuse, { env: {} }).fuse(request);
    assert.equal(server.requests[0].headers.authorization, undefined);
  });

  test('protocol: the key is never logged nor put in an error, even when the server echoes it', async () => {
    const server = await serve((req, _i, res) => sendJson(res, 401, JSON.stringify({ error: `bad key ${req.headers.authorization}` })));
    const { error, logged } = await captureConsole(() => fuserFor(server).fuse(request));
    assert.ok(error instanceof LlmRequestError);
    assert.equal(error.status, 401);
    assert.match(error.message, /HTTP 401 \(check the API key named by fuse\.openai\.apiKeyEnv\)/);
    assert.ok(!error.message.includes(KEY), error.message);
    assert.ok(!String(error.stack).includes(KEY));
    assert.ok(!logged.includes(KEY));
  });

  test('protocol: timeout — a server that never answers is abandoned after timeoutMs, retried, then reported transient', async () => {
    const server = await serve(() => {
      // never reply
    });
    const started = Date.now();
    await assert.rejects(fuserFor(server, { timeoutMs: 150, maxRetries: 1 }).fuse(request), (error: unknown) => {
      assert.ok(error instanceof LlmTransientError);
      assert.match(error.message, /no reply within 150 ms/);
      assert.equal(error.attempts, 2);
      return true;
    });
    assert.equal(server.requests.length, 2);
    assert.ok(Date.now() - started >= 300, 'both attempts waited for the timeout');
  });

  test('protocol: 429 with Retry-After, then 503, then success — backs off and succeeds', async () => {
    const server = await serve((_req, i, res) => {
      if (i === 0) return sendJson(res, 429, '{"error":"slow down"}', { 'retry-after': '1' });
      if (i === 1) return sendJson(res, 503, '{"error":"loading model"}');
      sendJson(res, 200, completion(GOOD));
    });
    const out = await fuserFor(server, { retryBaseMs: 100, maxRetries: 3 }).fuse(request);
    assert.equal(out.caption, GOOD);
    assert.equal(out.attempts, 3);
    const [a, b, c] = server.requests.map((r) => r.at);
    assert.ok(b - a >= 950, `Retry-After: 1 honoured (waited ${b - a} ms)`);
    // Second retry: exponential 100 × 2¹ = 200 ms with equal jitter → between 100 and 200 ms (+ scheduling).
    assert.ok(c - b >= 95 && c - b < 900, `backoff after 503 was ${c - b} ms`);
  });

  test('protocol: retries give up after maxRetries on persistent 5xx', async () => {
    const server = await serve((_req, _i, res) => sendJson(res, 500, '{"error":"boom"}'));
    await assert.rejects(fuserFor(server, { maxRetries: 2 }).fuse(request), (error: unknown) => {
      assert.ok(error instanceof LlmTransientError);
      assert.equal(error.status, 500);
      assert.match(error.message, /failed 3 time\(s\); last: HTTP 500/);
      return true;
    });
    assert.equal(server.requests.length, 3);
  });

  test('protocol: a refused connection is a transient network error', async () => {
    const server = await serve((_req, _i, res) => sendJson(res, 200, completion(GOOD)));
    const baseUrl = server.baseUrl;
    await server.close();
    servers.splice(servers.indexOf(server), 1);
    const config = configSchema.parse({ fuse: { backend: 'openai', openai: { baseUrl, maxRetries: 1, retryBaseMs: 10 } } });
    await assert.rejects(createFuser(config.fuse, { env: {} }).fuse(request), (error: unknown) => {
      assert.ok(error instanceof LlmTransientError);
      assert.match(error.message, /network error/);
      return true;
    });
  });

  for (const status of [400, 401, 404]) {
    test(`protocol: no retry on HTTP ${status}`, async () => {
      const server = await serve((_req, _i, res) => sendJson(res, status, '{"error":{"message":"nope"}}'));
      await assert.rejects(fuserFor(server, { maxRetries: 3 }).fuse(request), (error: unknown) => {
        assert.ok(error instanceof LlmRequestError);
        assert.equal(error.status, status);
        assert.match(error.message, new RegExp(`HTTP ${status}.*nope`));
        return true;
      });
      assert.equal(server.requests.length, 1);
    });
  }

  const badReplies: [string, string, RegExp][] = [
    ['empty', completion('   '), /empty/],
    ['cut off (finish_reason "length")', completion('a black dog sitting on a porch next', 'length'), /cut off/],
    ['not text (null content)', completion(null), /not text/],
    ['not JSON', 'Internal proxy page', /not JSON/],
  ];
  for (const [what, body, reason] of badReplies) {
    test(`protocol: ${what} reply → grounded fallback, recorded per caption`, async () => {
      const server = await serve((_req, _i, res) => sendJson(res, 200, body));
      const out = await fuserFor(server).fuse(request);
      assert.equal(out.decision, 'fallback');
      assert.equal(out.backend, 'grounded');
      assert.equal(out.fallbackFrom, 'openai:openai-compatible/test-model');
      assert.match(out.fallbackReason ?? '', reason);
      assert.equal(out.caption, 'a black dog on the left sitting on a porch next to a black bicycle, with a white car at the top right');
      assert.equal(out.grounding.score, 1);
      assert.equal(server.requests.length, 1, 'a bad reply is not retried');
    });

    test(`protocol: ${what} reply with onBadResponse "error" → a clear per-caption error`, async () => {
      const server = await serve((_req, _i, res) => sendJson(res, 200, body));
      await assert.rejects(fuserFor(server, { onBadResponse: 'error' }).fuse(request), (error: unknown) => {
        assert.ok(error instanceof FuseBadResponseError);
        assert.match(error.message, reason);
        return true;
      });
    });
  }

  test('protocol: bounded concurrency — never more than `concurrency` requests in flight', async () => {
    const server = await serve((_req, _i, res) => void setTimeout(() => sendJson(res, 200, completion(GOOD)), 80));
    const fuser = fuserFor(server, { concurrency: 3 });
    const outs = await Promise.all(Array.from({ length: 10 }, () => fuser.fuse(request)));
    assert.equal(outs.length, 10);
    assert.equal(server.requests.length, 10);
    assert.equal(server.maxInFlight, 3);
  });

  test("protocol: the caller's abort signal stops a request at once, without retries", async () => {
    const server = await serve(() => {
      // never reply
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('batch cancelled')), 50);
    await assert.rejects(fuserFor(server, { timeoutMs: 5000 }).fuse({ ...request, signal: controller.signal }), /batch cancelled/);
    assert.equal(server.requests.length, 1);
  });
});

describe('grounding policy on model captions', () => {
  const HALLUCINATED = 'a white cat sitting on a porch next to a blue bicycle and three trucks';
  for (const [policy, decision] of [
    ['keep', 'kept'],
    ['flag', 'flagged'],
    ['fallback', 'fallback'],
  ] as const) {
    test(`policy ${policy}: a caption below the threshold is ${decision}`, async () => {
      const server = await serve((_req, _i, res) => sendJson(res, 200, completion(HALLUCINATED)));
      const out = await fuserFor(server, {}, { grounding: { policy, threshold: 0.8 } }).fuse(request);
      assert.equal(out.decision, decision);
      if (policy === 'fallback') {
        assert.equal(out.caption, 'a black dog on the left sitting on a porch next to a black bicycle, with a white car at the top right');
        assert.equal(out.rejected?.caption, HALLUCINATED);
        assert.ok(out.rejected!.grounding.score < 0.8);
        assert.match(out.fallbackReason ?? '', /ungrounded \(score 0\.\d\d < 0\.8\)/);
      } else {
        assert.equal(out.caption, HALLUCINATED);
        assert.deepEqual(out.grounding.ungrounded.map((u) => u.kind).sort(), ['attribute', 'attribute', 'count', 'object', 'object']);
      }
    });
  }
});

describe('reply helpers', () => {
  test('Retry-After in seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('2'), 2000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:10 GMT', Date.parse('Thu, 01 Jan 2026 00:00:00 GMT')), 10_000);
    assert.equal(parseRetryAfter('soon'), null);
    assert.equal(parseRetryAfter(null), null);
  });

  test('caption labels, wrapping quotes and extra paragraphs are stripped; inner quotes stay', () => {
    assert.equal(cleanCaption('Caption: "a dog on a porch"\n\nI added the colour.'), 'a dog on a porch');
    assert.equal(cleanCaption('a sign that reads "STOP"'), 'a sign that reads "STOP"');
    assert.equal(cleanCaption('"STOP" is written on a red sign'), '"STOP" is written on a red sign');
  });
});
