/**
 * The batch activity's error paths, run in Temporal's MockActivityEnvironment (heartbeats and
 * cancellation as a worker gives them, no server) over a real PGlite database, real image files and real
 * stage implementations: bad images become per-image rows, a transient failure fails the attempt
 * retryably and the retry redoes only the unfinished images, a model that cannot load fails for good,
 * an image without its upstream result is recorded as upstream_failed, and cancellation stops the batch.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createStageBatchActivity, type StageBatchInput, type StageBatchResult } from '../../activities/stage-batch.ts';
import { configSchema, type FusecapConfigInput } from '../../config/schema.ts';
import { datasetStageResults, pageImageIds } from '../../db/queries/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { stageImplementation } from '../../stages/implementations.ts';
import { freshPglite, SAMPLE_DIR } from '../support/services.ts';

let database: Awaited<ReturnType<typeof freshPglite>>;
let runStageBatch: ReturnType<typeof createStageBatchActivity>;
let maxSeq = 0;

const input = (stage: string, config: FusecapConfigInput = {}): StageBatchInput => ({
  runId: 'unit',
  datasetId: 'b',
  stage,
  range: { afterSeq: 0, untilSeq: maxSeq },
  config: configSchema.parse(config),
});

/** One activity attempt in a fresh mock environment (or the one given, to watch its heartbeats). */
const attempt = (batch: StageBatchInput, env = new MockActivityEnvironment()): Promise<StageBatchResult> =>
  env.run(runStageBatch, batch) as Promise<StageBatchResult>;

async function rowsOf(stage: string) {
  return (await datasetStageResults(database.db, { datasetId: 'b', stage })).map((r) => ({
    id: r.imageId,
    code: r.errorCode,
    ok: r.output !== null,
  }));
}

before(async () => {
  database = await freshPglite();
  runStageBatch = createStageBatchActivity(database.db);
  const dir = mkdtempSync(join(tmpdir(), 'fusecap-batch-'));
  mkdirSync(join(dir, 'images'));
  copyFileSync(join(SAMPLE_DIR, 'images', 'dog.jpg'), join(dir, 'images', 'dog.jpg'));
  copyFileSync(join(SAMPLE_DIR, 'images', 'chelsea.png'), join(dir, 'images', 'chelsea.png'));
  writeFileSync(join(dir, 'images', 'text.jpg'), 'not an image\n');
  const giraffe = readFileSync(join(SAMPLE_DIR, 'images', 'giraffe.jpg'));
  writeFileSync(join(dir, 'images', 'cut.jpg'), giraffe.subarray(0, giraffe.length >> 1));
  const manifest = join(dir, 'captions.jsonl');
  writeFileSync(
    manifest,
    ['dog.jpg', 'chelsea.png', 'text.jpg', 'cut.jpg']
      .map((f) => JSON.stringify({ file: `images/${f}`, captions: [`a photo of ${f}`] }))
      .join('\n'),
  );
  await ingestDataset(database.db, { datasetId: 'b', root: dir, manifest });
  maxSeq = (await pageImageIds(database.db, { datasetId: 'b', afterSeq: 0, untilSeq: 1e9, limit: 100 })).length;
});
after(async () => {
  // The stages keep their loaded models per process (the OCR engine's worker thread among them): free
  // them, or the test file's process never exits.
  for (const stage of ['probe', 'detect', 'ocr', 'fuse']) await (await stageImplementation(stage)).dispose?.();
  await database?.cleanup();
});

describe('runStageBatch in MockActivityEnvironment', () => {
  test('bad images become per-image rows with stable codes; the batch succeeds; a rerun does no work', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    const result = await attempt(input('probe'), env);
    assert.equal(result.images, 4);
    assert.equal(result.processed, 2);
    assert.equal(result.failed, 2);
    assert.deepEqual(result.errorsByCode, { unsupported_format: 1, corrupt_image: 1 });
    assert.ok(beats.length >= 4, 'a heartbeat per image');
    const again = await attempt(input('probe'));
    assert.deepEqual([again.skipped, again.processed, again.failed], [4, 0, 0]);
  });

  // The fuser here states only the original caption: the vision stages have not run on this dataset.
  const captionOnly = { objects: false, attributes: false, ocr: false };

  test('an image whose required upstream failed is recorded as upstream_failed, not run', async () => {
    const result = await attempt(input('fuse', { fuse: { ablation: captionOnly } }));
    assert.equal(result.errorsByCode.upstream_failed, 2);
    const rows = await rowsOf('fuse');
    assert.equal(rows.filter((r) => r.code === 'upstream_failed').length, 2);
    assert.equal(rows.filter((r) => r.ok).length, 2, 'the grounded fuser captioned the two good images');
  });

  test('a transient failure fails the attempt retryably; the retry redoes only the unfinished images', async () => {
    // A local HTTP server that is busy (503) for the first request, then answers in the OpenAI chat format.
    let requests = 0;
    const server: Server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on('end', () => {
        if (requests <= 1) {
          res.writeHead(503).end('busy');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ choices: [{ message: { content: 'a dog sitting near a bicycle' }, finish_reason: 'stop' }] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const config: FusecapConfigInput = {
        pipeline: { stages: ['probe', 'fuse'] },
        fuse: {
          backend: 'openai',
          openai: { baseUrl, maxRetries: 0, retryBaseMs: 0, concurrency: 1 },
          grounding: { policy: 'keep' },
          ablation: captionOnly,
        },
      };
      await assert.rejects(new MockActivityEnvironment().run(runStageBatch, input('fuse', config)), (e: unknown) => {
        assert.ok(e instanceof ApplicationFailure);
        assert.equal(e.type, 'TransientStageError');
        assert.equal(e.nonRetryable, false);
        return true;
      });
      const retry = await attempt(input('fuse', config));
      // The first attempt stored the other good image and the two upstream_failed rows: the retry skips them
      // and asks the server once more, for the image that met the busy server.
      assert.deepEqual([retry.skipped, retry.processed, retry.failed], [3, 1, 0]);
      assert.equal(requests, 3);
    } finally {
      server.close();
    }
  });

  test('a fuser that serves several requests at once gets them: the batch runs its images in parallel lanes', async () => {
    // A local OpenAI-format server that holds each reply 300 ms and counts the requests in flight.
    let inFlight = 0;
    let maxInFlight = 0;
    const server: Server = createServer((req, res) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      req.resume();
      req.on('end', () =>
        setTimeout(() => {
          inFlight--;
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ choices: [{ message: { content: 'a dog sitting near a bicycle' }, finish_reason: 'stop' }] }));
        }, 300),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
      const config = (concurrency: number): FusecapConfigInput => ({
        pipeline: { stages: ['probe', 'fuse'] },
        // A temperature of its own per run (not the default 0.2 the test above used): a stage key of its own.
        fuse: {
          backend: 'openai',
          openai: { baseUrl, concurrency, temperature: 0.3 + concurrency / 10 },
          grounding: { policy: 'keep' },
          ablation: captionOnly,
        },
      });
      const one = await attempt(input('fuse', config(1)));
      assert.deepEqual([one.processed, one.failed], [2, 2]);
      assert.equal(maxInFlight, 1, 'concurrency 1 is one image after another');
      maxInFlight = 0;
      const two = await attempt(input('fuse', config(2)));
      // The two good images are in flight together; the two without upstream results are recorded as before.
      assert.deepEqual([two.processed, two.failed, two.errorsByCode.upstream_failed], [2, 2, 2]);
      assert.equal(maxInFlight, 2);
    } finally {
      server.close();
    }
  });

  test('a model that cannot load fails the batch for good, naming the problem', async () => {
    const config: FusecapConfigInput = { detect: { backend: 'onnx', model: '/nonexistent/detector.onnx' } };
    await assert.rejects(new MockActivityEnvironment().run(runStageBatch, input('detect', config)), (e: unknown) => {
      assert.ok(e instanceof ApplicationFailure);
      assert.equal(e.type, 'ModelLoadError');
      assert.equal(e.nonRetryable, true);
      assert.match(e.message, /detector\.onnx/);
      return true;
    });
  });

  test('a cancelled activity stops before the next image and records nothing more', async () => {
    const env = new MockActivityEnvironment();
    env.on('heartbeat', () => env.cancel());
    const before = (await rowsOf('ocr')).length;
    await assert.rejects(env.run(runStageBatch, input('ocr', { ocr: { backend: 'tesseract' } })));
    assert.ok((await rowsOf('ocr')).length - before <= 1, 'at most the image in flight was stored');
  });
});
