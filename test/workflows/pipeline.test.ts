/**
 * The durable backbone against a real Temporal server and a real PostgreSQL: a run completes with every
 * image processed once; a SIGKILLed worker's run completes on a new worker; a terminated run resumes with
 * only the missing work; a schedule enriches only what was added since its last run; the Temporal CLI
 * starts, lists and resets runs as the README shows.
 */
import assert from 'node:assert/strict';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { getRun } from '../../db/queries/index.ts';
import { images, stageResults } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { findOrBuildTemporalCli } from '../../services/temporal-cli.ts';
import { resumeRun } from '../../cli/commands/runs.ts';
import { createSchedule } from '../../cli/commands/schedules.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { writeGeneratedDataset } from '../support/images.ts';
import { freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';
import { sessionOf, waitFor } from '../support/waiting.ts';
import { causeChain, startWorkerProcess } from '../support/processes.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;

async function probeRows(database: Pg, datasetId: string) {
  const [row] = await database.db
    .select({ n: sql<number>`count(*)::int`, ok: sql<number>`count(${stageResults.output})::int` })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId))
    .where(eq(images.datasetId, datasetId));
  return { rows: Number(row.n), ok: Number(row.ok) };
}

describe('pipeline on real Temporal + PostgreSQL', () => {
  let database: Pg;
  let temporal: TemporalHarness;
  let dir: string;

  before(async () => {
    database = await freshPostgres('pipeline');
    temporal = await temporalHarness('pipeline');
    dir = mkdtempSync(join(tmpdir(), 'fusecap-gen-'));
  });
  after(async () => {
    await temporal?.close();
    await database?.cleanup();
  });

  test('ingest → run: every image has its probe result, run row completed, counts right', async () => {
    await temporal.startWorkers(database.db);
    const manifest = await writeGeneratedDataset(join(dir, 'a'), 40);
    await ingestDataset(database.db, { datasetId: 'a', root: join(dir, 'a'), manifest });
    const result: PipelineResult = await temporal.client.workflow.execute('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: `${temporal.prefix}-run-a`,
      args: [
        { datasetId: 'a', config: { pipeline: { stages: ['probe'], batchSize: 8, maxConcurrentBatches: 2, batchesPerExecution: 2 } } },
      ],
    });
    // batchesPerExecution 2 with 5 batches forces continue-as-new twice; totals must survive it.
    assert.equal(result.images, 40);
    assert.deepEqual(
      { ...result.totals.probe, workMs: 0, activityMs: 0 },
      { images: 40, processed: 40, skipped: 0, failed: 0, errorsByCode: {}, workMs: 0, activityMs: 0 },
    );
    assert.deepEqual(await probeRows(database, 'a'), { rows: 40, ok: 40 });
    const run = await getRun(database.db, { id: `${temporal.prefix}-run-a` });
    assert.equal(run?.status, 'completed');
    assert.equal(run?.counts['probe.processed'], 40);
    assert.equal(run?.counts.images, 40);
    const sized = await database.db.select({ w: images.width }).from(images).where(eq(images.datasetId, 'a'));
    assert.ok(
      sized.every((r) => r.w === 96),
      'probe stored the upright size on every image',
    );
  });

  test('terminate a run, resume: only the missing images are processed', async () => {
    const manifest = await writeGeneratedDataset(join(dir, 'b'), 120, { size: 512 });
    await ingestDataset(database.db, { datasetId: 'b', root: join(dir, 'b'), manifest });
    const runId = `${temporal.prefix}-run-b`;
    const handle = await temporal.client.workflow.start('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: runId,
      args: [{ datasetId: 'b', config: { pipeline: { stages: ['probe'], batchSize: 4, maxConcurrentBatches: 1 } } }],
    });
    await waitFor('some probe results', async () => (await probeRows(database, 'b')).rows >= 8);
    await handle.terminate('test: stop midway');
    const partial = (await probeRows(database, 'b')).rows;
    assert.ok(partial < 120, `terminated before the end (${partial} done)`);
    await resumeRun(sessionOf(temporal), runId);
    const result: PipelineResult = await temporal.client.workflow.getHandle(runId).result();
    assert.ok(
      result.totals.probe.skipped >= partial - 4,
      `resume skipped the ${partial} finished images (skipped ${result.totals.probe.skipped})`,
    );
    assert.equal(result.totals.probe.processed + result.totals.probe.skipped, 120);
    assert.deepEqual(await probeRows(database, 'b'), { rows: 120, ok: 120 });
  });

  test('a schedule fires and processes only images added since its previous run', async () => {
    const manifest = await writeGeneratedDataset(join(dir, 'c'), 10);
    await ingestDataset(database.db, { datasetId: 'c', root: join(dir, 'c'), manifest });
    const session = sessionOf(temporal);
    const scheduleId = `${temporal.prefix}-sched-c`;
    await createSchedule(session, { datasetId: 'c', every: '1h', scheduleId, config: { pipeline: { stages: ['probe'] } }, paused: true });
    const schedule = temporal.client.schedule.getHandle(scheduleId);
    const fire = async (n: number) => {
      await schedule.trigger();
      let workflowId = '';
      await waitFor('the schedule to start a workflow', async () => {
        const actions = (await schedule.describe()).info.recentActions;
        if (actions.length < n) return false;
        workflowId = actions[n - 1].action.workflow.workflowId;
        return true;
      });
      return temporal.client.workflow.getHandle(workflowId).result();
    };
    try {
      const first = (await fire(1)) as PipelineResult;
      assert.equal(first.images, 10);
      assert.equal(first.totals.probe.processed, 10);
      const more = await writeGeneratedDataset(join(dir, 'c'), 3, { startAt: 10, manifestName: 'more.jsonl' });
      await ingestDataset(database.db, { datasetId: 'c', root: join(dir, 'c'), manifest: more });
      const second = (await fire(2)) as PipelineResult;
      assert.equal(second.images, 3, 'only the 3 new images are in the scheduled run');
      assert.equal(second.totals.probe.processed, 3);
      assert.equal(second.totals.probe.skipped, 0);
      const third = (await fire(3)) as { nothingNew?: boolean };
      assert.equal(third.nothingNew, true, 'nothing new: the scheduled run does nothing');
    } finally {
      await schedule.delete();
    }
  });

  test('the Temporal CLI starts a run (README command), lists it by dataset, and resets a failed run', async () => {
    const cli = await findOrBuildTemporalCli();
    const run = (...args: string[]) => execFileSync(cli, [...args, '--address', temporal.address], { encoding: 'utf8' });
    const manifest = await writeGeneratedDataset(join(dir, 'd'), 6);
    // The run starts before its dataset exists: it fails (non-retryable), then a reset re-runs it.
    const runId = `${temporal.prefix}-cli-d`;
    run(
      'workflow',
      'start',
      '--task-queue',
      `${temporal.prefix}-io`,
      '--type',
      'fuseCapPipeline',
      '--workflow-id',
      runId,
      '--input',
      JSON.stringify({ datasetId: 'd', config: { pipeline: { stages: ['probe'] } } }),
    );
    await assert.rejects(temporal.client.workflow.getHandle(runId).result(), (error: Error) => /does not exist/.test(causeChain(error)));
    await waitFor('the run to be listed by dataset', async () =>
      run('workflow', 'list', '--query', `FusecapDataset="d" AND FusecapRunKind="pipeline"`).includes(runId),
    );
    await ingestDataset(database.db, { datasetId: 'd', root: join(dir, 'd'), manifest });
    run('workflow', 'reset', '--workflow-id', runId, '--type', 'FirstWorkflowTask', '--reason', 'dataset ingested now', '--yes');
    const result: PipelineResult = await temporal.client.workflow.getHandle(runId).result();
    assert.equal(result.totals.probe.processed, 6);
  });
});

describe('worker killed mid-run', () => {
  let database: Pg;
  let temporal: TemporalHarness;
  const children: ChildProcess[] = [];

  before(async () => {
    database = await freshPostgres('sigkill');
    temporal = await temporalHarness('sigkill');
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await temporal?.close();
    await database?.cleanup();
  });

  const startWorker = () =>
    startWorkerProcess({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, FUSECAP_QUEUE_PREFIX: temporal.prefix }, children);

  test('SIGKILL the worker mid-run, start a new one: the run completes, every image processed exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusecap-kill-'));
    const manifest = await writeGeneratedDataset(dir, 150, { size: 1024 });
    await ingestDataset(database.db, { datasetId: 'k', root: dir, manifest });
    const first = await startWorker();
    const runId = `${temporal.prefix}-kill`;
    const handle = await temporal.client.workflow.start('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: runId,
      args: [{ datasetId: 'k', config: { pipeline: { stages: ['probe'], batchSize: 10, maxConcurrentBatches: 2 } } }],
    });
    // Kill while a batch is part-way done (rows not a multiple of the batch size), so its retry has work to skip.
    await waitFor(
      'a batch part-way done',
      async () => {
        const { rows } = await probeRows(database, 'k');
        return rows >= 15 && rows % 10 !== 0;
      },
      120_000,
    );
    first.kill('SIGKILL');
    const atKill = (await probeRows(database, 'k')).rows;
    assert.ok(atKill < 150, `killed mid-run (${atKill} done)`);
    await startWorker();
    const result: PipelineResult = await handle.result();
    assert.equal(result.totals.probe.processed + result.totals.probe.skipped, 150);
    assert.ok(result.totals.probe.skipped > 0, 'the retried batches skipped the images finished before the kill');
    // The primary key (image, stage, model, version, params) makes a second result for an image impossible;
    // every image has exactly one, and it is a success.
    assert.deepEqual(await probeRows(database, 'k'), { rows: 150, ok: 150 });
    assert.equal((await getRun(database.db, { id: runId }))?.status, 'completed');
  });
});
