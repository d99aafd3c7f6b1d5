/**
 * Server restarts against the real servers, with workers in their own processes:
 * - the Temporal dev server SIGKILLed mid-run and started again on the same SQLite file and port: the run
 *   completes and every image is processed exactly once;
 * - PostgreSQL stopped with `pg_ctl stop -m immediate` mid-run and started again (the workers reach it
 *   through DATABASE_URL): the run completes, no stored row is lost, changed or written twice.
 * "Written twice" is counted by a trigger on stage_results (test/support/rewrites.ts).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import { openDatabase, type Database } from '../../db/client.ts';
import { getRun } from '../../db/queries/index.ts';
import { images, stageResults } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { createTestDatabase, startPostgres, stopPostgresImmediately } from '../../services/postgres.ts';
import { startTemporalDevServer } from '../../services/temporal-server.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { writeGeneratedDataset } from '../support/images.ts';
import { startWorkerProcess } from '../support/processes.ts';
import { countRewrites, installRewriteLog } from '../support/rewrites.ts';
import { freshPostgres, temporalAddress, uniquePrefix } from '../support/services.ts';

const IMAGES = 120;
const CONFIG = { pipeline: { stages: ['probe'], batchSize: 8, maxConcurrentBatches: 2, benchmark: false } };

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function snapshot(db: Database['db'], datasetId: string) {
  const rows = await db
    .select({ id: stageResults.imageId, output: stageResults.output, error: stageResults.errorCode })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId))
    .where(eq(images.datasetId, datasetId));
  return new Map(rows.map((r) => [r.id, JSON.stringify([r.output, r.error])]));
}

describe('server restarts mid-run', () => {
  const children: ChildProcess[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  });

  test('Temporal dev server SIGKILLed mid-run and restarted: the run completes, every image processed exactly once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusecap-tkill-'));
    const database = await freshPostgres('tkill');
    cleanups.push(() => database.cleanup());
    await installRewriteLog(database.db);
    const serverOptions = { dbFile: join(dir, 'temporal.db'), logFile: join(dir, 'temporal.log'), headless: true };
    let server = await startTemporalDevServer(serverOptions);
    const port = Number(server.address.split(':')[1]);
    cleanups.push(() => server.stop());
    const prefix = uniquePrefix('tkill');
    const manifest = await writeGeneratedDataset(join(dir, 'ds'), IMAGES, { size: 640 });
    await ingestDataset(database.db, { datasetId: 'tk', root: join(dir, 'ds'), manifest });
    await startWorkerProcess({ DATABASE_URL: database.url, TEMPORAL_ADDRESS: server.address, FUSECAP_QUEUE_PREFIX: prefix }, children);

    let connection = await Connection.connect({ address: server.address });
    const runId = `${prefix}-run`;
    await new Client({ connection }).workflow.start('fuseCapPipeline', {
      taskQueue: `${prefix}-io`,
      workflowId: runId,
      args: [{ datasetId: 'tk', config: CONFIG }],
    });
    await waitFor('a quarter of the images', async () => (await snapshot(database.db, 'tk')).size >= IMAGES / 4);
    process.kill(server.pid, 'SIGKILL');
    await connection.close().catch(() => undefined);
    const atKill = (await snapshot(database.db, 'tk')).size;
    assert.ok(atKill < IMAGES, `killed mid-run (${atKill} done)`);
    await new Promise((r) => setTimeout(r, 1_000));
    server = await startTemporalDevServer({ ...serverOptions, port });

    connection = await Connection.connect({ address: server.address });
    cleanups.push(() => connection.close());
    const result = (await new Client({ connection }).workflow.getHandle(runId).result()) as PipelineResult;
    assert.equal(result.totals.probe.processed + result.totals.probe.skipped, IMAGES);
    const after = await snapshot(database.db, 'tk');
    assert.equal(after.size, IMAGES, 'one result per image');
    assert.ok(
      [...after.values()].every((v) => v.startsWith('[{') && v.endsWith(',null]')),
      'every result is an output',
    );
    assert.equal(await countRewrites(database.db), 0, 'no image was written twice');
    assert.equal((await getRun(database.db, { id: runId }))?.status, 'completed');
  });

  test('PostgreSQL stopped with pg_ctl -m immediate mid-run and started again: the run completes, no row lost or doubled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fusecap-pgkill-'));
    chmodSync(dir, 0o755); // the server runs as the postgres OS user, which must reach its data dir
    const pgOptions = { dataDir: join(dir, 'pgdata'), logFile: join(dir, 'pg.log') };
    let pg = await startPostgres(pgOptions);
    cleanups.push(() => pg.stop());
    const url = await createTestDatabase(pg.url, 'pgkill');
    const database = await openDatabase({ url });
    cleanups.push(() => database.close());
    await installRewriteLog(database.db);
    const address = await temporalAddress();
    const prefix = uniquePrefix('pgkill');
    const manifest = await writeGeneratedDataset(join(dir, 'ds'), IMAGES, { size: 640 });
    await ingestDataset(database.db, { datasetId: 'pk', root: join(dir, 'ds'), manifest });
    await startWorkerProcess({ DATABASE_URL: url, TEMPORAL_ADDRESS: address, FUSECAP_QUEUE_PREFIX: prefix }, children);

    const connection = await Connection.connect({ address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection });
    const runId = `${prefix}-run`;
    const handle = await client.workflow.start('fuseCapPipeline', {
      taskQueue: `${prefix}-io`,
      workflowId: runId,
      args: [{ datasetId: 'pk', config: CONFIG }],
    });
    await waitFor('a quarter of the images', async () => (await snapshot(database.db, 'pk')).size >= IMAGES / 4);
    const before = await snapshot(database.db, 'pk');
    await stopPostgresImmediately(pg.dataDir);
    assert.ok(before.size < IMAGES, `stopped mid-run (${before.size} done)`);
    await new Promise((r) => setTimeout(r, 3_000));
    pg = await startPostgres({ ...pgOptions, port: pg.port });

    const result = (await handle.result()) as PipelineResult;
    assert.equal(result.totals.probe.processed + result.totals.probe.skipped, IMAGES);
    const after = await snapshot(database.db, 'pk');
    assert.equal(after.size, IMAGES, 'one result per image');
    for (const [id, value] of before) assert.equal(after.get(id), value, `row of ${id} kept as it was`);
    assert.equal(await countRewrites(database.db), 0, 'no image was written twice');
    const [images_] = await database.db
      .select({ n: sql<number>`count(*)::int` })
      .from(images)
      .where(eq(images.datasetId, 'pk'));
    assert.equal(Number(images_.n), IMAGES, 'no image row lost or doubled');
    assert.equal((await getRun(database.db, { id: runId }))?.status, 'completed');
  });
});
