/**
 * Errors that are not the image's fault never become permanent, against a real Temporal server and a real
 * PostgreSQL with in-process workers (so the test can reach the detector's worker thread):
 * - a detect worker thread ended mid-batch: the images after it still get real detections, no error rows;
 * - a fuser server answering 401: no stage_results row is written, the run fails; once the server is
 *   fixed `fusecap resume` completes it with a caption per image;
 * - rows an earlier version stored as `stage_error` are re-run by `--retry-errors`, not by a plain run;
 * - a cancelled run's row says "cancelled" (Temporal CLI `workflow cancel`).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { resumeRun } from '../../cli/commands/runs.ts';
import { configSchema } from '../../config/schema.ts';
import { getRun, upsertStageResults } from '../../db/queries/index.ts';
import { captions, images, stageResults } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { stageKeyOf } from '../../stages/keys.ts';
import { ModelThread } from '../../lib/model-thread.ts';
import { findOrBuildTemporalCli } from '../../services/temporal-cli.ts';
import { probeStage } from '../../stages/probe.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { completion, sendJson, startServer } from '../experts/fuse/local-server.ts';
import { writeGeneratedDataset } from '../support/images.ts';
import { causeChain } from '../support/processes.ts';
import { freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';
import { sessionOf, waitFor } from '../support/waiting.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;

describe('errors that are not the image’s fault', () => {
  let database: Pg;
  let temporal: TemporalHarness;
  let dir: string;

  const rowsOf = async (datasetId: string, stage: string) => {
    const [row] = await database.db
      .select({ n: sql<number>`count(*)::int`, ok: sql<number>`count(${stageResults.output})::int` })
      .from(stageResults)
      .innerJoin(images, eq(images.id, stageResults.imageId))
      .where(and(eq(images.datasetId, datasetId), eq(stageResults.stage, stage)));
    return { rows: Number(row.n), ok: Number(row.ok) };
  };
  const ingest = async (datasetId: string, n: number, size = 96) => {
    const root = join(dir, datasetId);
    const manifest = await writeGeneratedDataset(root, n, { size });
    await ingestDataset(database.db, { datasetId, root, manifest });
  };
  const run = (datasetId: string, config: unknown, extra: Record<string, unknown> = {}) =>
    temporal.client.workflow.start('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: `${temporal.prefix}-${datasetId}-${Math.random().toString(36).slice(2, 6)}`,
      args: [{ datasetId, config, ...extra }],
    });

  before(async () => {
    database = await freshPostgres('errors');
    temporal = await temporalHarness('errors');
    dir = mkdtempSync(join(tmpdir(), 'fusecap-errors-'));
    await temporal.startWorkers(database.db);
  });
  after(async () => {
    await temporal?.close();
    await database?.cleanup();
  });

  // onnx (the default) ran into `terminate called after throwing an instance of 'Napi::Error'` when the
  // thread was torn down mid-session; ModelThread.terminate now ends a thread between model calls.
  for (const runtime of ['onnx', 'tfjs'] as const) {
    test(`a detect thread ended mid-batch (runtime ${runtime}): the images after it get real detections, none is stored as an error`, async () => {
      const dataset = `thread-${runtime}`;
      await ingest(dataset, 24);
      const handle = await run(dataset, {
        pipeline: { stages: ['detect'], batchSize: 24, maxConcurrentBatches: 1, benchmark: false },
        detect: { threads: 1, runtime },
      });
      await waitFor('a few detections', async () => (await rowsOf(dataset, 'detect')).rows >= 3);
      // The thread running this batch (a detector of the other runtime may be idle in the process too).
      let victim: ModelThread | undefined;
      await waitFor('the detect thread of this batch', async () => {
        victim = ModelThread.running('detect').find((t) => t.inFlight > 0);
        return victim !== undefined;
      });
      assert.ok(victim, 'the detector runs in a worker thread of this process');
      await victim.terminate();
      const atKill = (await rowsOf(dataset, 'detect')).rows;
      assert.ok(atKill < 24, `ended mid-batch (${atKill} of 24 done)`);
      const result = (await handle.result()) as PipelineResult;
      assert.equal(result.totals.detect.failed, 0);
      // Totals are the last attempt's: the retry redid only the image that was on the dead thread.
      assert.equal(result.totals.detect.processed + result.totals.detect.skipped, 24);
      assert.ok(result.totals.detect.skipped >= atKill, 'the retry skipped the images finished before and after the death');
      assert.deepEqual(await rowsOf(dataset, 'detect'), { rows: 24, ok: 24 });
      assert.equal(victim.alive, false);
      assert.ok(
        ModelThread.running('detect').some((t) => t !== victim && t.alive),
        'the dead thread was replaced',
      );
    });
  }

  test('a fuser server answering 401 writes no rows and fails the run; once fixed, `fusecap resume` completes it', async () => {
    await ingest('llm', 10);
    let broken = true;
    const server = await startServer((_req, _i, res) =>
      broken
        ? sendJson(res, 401, JSON.stringify({ error: { message: 'invalid api key' } }))
        : sendJson(res, 200, completion('a red square on a gray background')),
    );
    try {
      const config = {
        pipeline: { stages: ['fuse'], batchSize: 5, maxConcurrentBatches: 2, stageAttempts: 2, benchmark: false },
        fuse: {
          backend: 'openai',
          openai: { baseUrl: server.baseUrl, model: 'test-model', maxRetries: 0 },
          ablation: { objects: false, attributes: false, ocr: false },
        },
      };
      const handle = await run('llm', config);
      await assert.rejects(handle.result(), (error: Error) => /401|invalid api key/i.test(causeChain(error)));
      const failed = await getRun(database.db, { id: handle.workflowId });
      assert.equal(failed?.status, 'failed');
      assert.match(failed?.error ?? '', /not the image's fault/);
      assert.deepEqual(await rowsOf('llm', 'fuse'), { rows: 0, ok: 0 }, 'a 401 is never stored as the images’ result');
      assert.ok(server.requests.length >= 2, 'the batch was tried again under the retry policy');

      broken = false;
      await resumeRun(sessionOf(temporal), handle.workflowId);
      const result = (await temporal.client.workflow.getHandle(handle.workflowId).result()) as PipelineResult;
      assert.equal(result.totals.fuse.processed, 10);
      assert.deepEqual(await rowsOf('llm', 'fuse'), { rows: 10, ok: 10 });
      const fused = await database.db
        .select({ n: sql<number>`count(*)::int` })
        .from(captions)
        .innerJoin(images, eq(images.id, captions.imageId))
        .where(and(eq(images.datasetId, 'llm'), eq(captions.source, 'fused')));
      assert.equal(Number(fused[0].n), 10, 'a fused caption per image');
      assert.equal((await getRun(database.db, { id: handle.workflowId }))?.status, 'completed');
    } finally {
      await server.close();
    }
  });

  test('stage_error rows of an earlier version stay cached on a plain run and are re-run with retryErrors', async () => {
    await ingest('legacy', 6);
    const key = stageKeyOf(probeStage, configSchema.parse({}));
    const ids = await database.db.select({ id: images.id }).from(images).where(eq(images.datasetId, 'legacy')).orderBy(images.seq);
    await upsertStageResults(database.db, {
      rows: ids.slice(0, 3).map(({ id }) => ({
        imageId: id,
        stage: key.stage,
        modelId: key.modelId,
        modelVersion: key.modelVersion,
        paramsHash: key.paramsHash,
        params: key.params,
        output: null,
        errorCode: 'stage_error',
        error: 'fuser server answered 401',
        runId: 'old',
        durationMs: 0,
      })),
    });
    const config = { pipeline: { stages: ['probe'], benchmark: false } };
    const plain = (await (await run('legacy', config)).result()) as PipelineResult;
    assert.deepEqual([plain.totals.probe.processed, plain.totals.probe.skipped], [3, 3]);
    assert.deepEqual(await rowsOf('legacy', 'probe'), { rows: 6, ok: 3 });
    const retried = (await (await run('legacy', config, { retryErrors: true })).result()) as PipelineResult;
    assert.deepEqual([retried.totals.probe.processed, retried.totals.probe.skipped], [3, 3]);
    assert.deepEqual(await rowsOf('legacy', 'probe'), { rows: 6, ok: 6 });
  });

  test('`temporal workflow cancel` on a running pipeline: its runs row says cancelled', async () => {
    await ingest('cancel', 80, 640);
    const handle = await run('cancel', { pipeline: { stages: ['probe'], batchSize: 2, maxConcurrentBatches: 1, benchmark: false } });
    await waitFor('some probe results', async () => (await rowsOf('cancel', 'probe')).rows >= 2);
    const cli = await findOrBuildTemporalCli();
    execFileSync(cli, ['workflow', 'cancel', '--workflow-id', handle.workflowId, '--address', temporal.address], { encoding: 'utf8' });
    await assert.rejects(handle.result(), /cancel/i);
    const row = await getRun(database.db, { id: handle.workflowId });
    assert.equal(row?.status, 'cancelled');
    assert.ok(row?.finishedAt, 'the end is recorded');
    assert.ok((await rowsOf('cancel', 'probe')).rows < 80, 'cancelled before the end');
  });
});
