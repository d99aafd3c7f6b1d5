/**
 * Two runs of the same stages and config on one dataset at once, on a real Temporal server and a real
 * PostgreSQL: both complete, every image has one result, and no image's model work is done twice — the
 * second run's batches wait for the first's (same child id) and then skip what it stored.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { getRun } from '../../db/queries/index.ts';
import { images, stageResults } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { writeGeneratedDataset } from '../support/images.ts';
import { countRewrites, installRewriteLog } from '../support/rewrites.ts';
import { freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';

let database: Awaited<ReturnType<typeof freshPostgres>>;
let temporal: TemporalHarness;

before(async () => {
  database = await freshPostgres('twoRuns');
  temporal = await temporalHarness('tworuns');
  await temporal.startWorkers(database.db, ['io']);
  await installRewriteLog(database.db);
});
after(async () => {
  await temporal?.close();
  await database?.cleanup();
});

test('two runs on one dataset at once: both complete, one result per image, each image probed once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'fusecap-tworuns-'));
  const manifest = await writeGeneratedDataset(root, 48, { size: 512 });
  await ingestDataset(database.db, { datasetId: 'both', root, manifest });
  const config = { pipeline: { stages: ['probe'], batchSize: 4, maxConcurrentBatches: 2, benchmark: false } };
  const start = (name: string) =>
    temporal.client.workflow.start('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: `${temporal.prefix}-${name}`,
      args: [{ datasetId: 'both', config }],
    });
  const [a, b] = await Promise.all([start('first'), start('second')]);
  const [ra, rb] = (await Promise.all([a.result(), b.result()])) as PipelineResult[];
  for (const r of [ra, rb]) assert.equal(r.totals.probe.processed + r.totals.probe.skipped, 48);
  assert.equal(ra.totals.probe.processed + rb.totals.probe.processed, 48, 'between them, every image was probed once');
  const [row] = await database.db
    .select({
      n: sql<number>`count(*)::int`,
      ok: sql<number>`count(${stageResults.output})::int`,
      ids: sql<number>`count(distinct ${stageResults.imageId})::int`,
    })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId))
    .where(eq(images.datasetId, 'both'));
  assert.deepEqual([Number(row.n), Number(row.ok), Number(row.ids)], [48, 48, 48]);
  assert.equal(await countRewrites(database.db), 0, 'no result written twice');
  for (const id of [a.workflowId, b.workflowId]) assert.equal((await getRun(database.db, { id }))?.status, 'completed');
});
