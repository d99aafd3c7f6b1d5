/**
 * bench:backbone — probe N generated images through the real pipeline (Temporal dev server + the
 * embedded PGlite database, as the README's default) and report images/s and orchestration overhead:
 * wall time minus the summed time inside the batch activities, as a share of wall time.
 *
 * Two figures. With one batch in flight (maxConcurrentBatches 1) wall time = activity time + orchestration,
 * so `overheadShare` is the full latency Temporal adds per batch (child workflow start, workflow tasks,
 * activity dispatch: six dispatches of ~40-50 ms each on the dev server here, whatever its store).
 * With the default window (4 batches in flight) that latency overlaps with other batches' work;
 * `windowedOverheadShare` = (wall − the serial run's summed activity time) / wall is what orchestration
 * still adds to the wall time of the default configuration. Last line: one JSON object.
 *
 *   npm run bench:backbone [-- --images 2000 --batch 32]
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../db/client.ts';
import { ingestDataset } from '../ingest/ingest-dataset.ts';
import { ensureTemporalServer } from '../services/temporal-server.ts';
import { writeGeneratedDataset } from '../test/support/images.ts';
import { createWorkerSet } from '../workers/workers.ts';
import type { PipelineResult } from '../workflows/pipeline.ts';

const { values } = parseArgs({ options: { images: { type: 'string', default: '2000' }, batch: { type: 'string', default: '32' } } });
const imagesWanted = Number(values.images);
const batchSize = Number(values.batch);

Runtime.install({ logger: new DefaultLogger('ERROR') });
const work = mkdtempSync(join(tmpdir(), 'fusecap-bench-'));
console.log(`generating ${imagesWanted} images in ${work} ...`);
const manifest = await writeGeneratedDataset(join(work, 'data'), imagesWanted, { width: 640, height: 480 });

const server = await ensureTemporalServer(join(process.cwd(), '.fusecap', 'bench-services'), { headless: true });
const database = await openDatabase({ pgliteDir: join(work, 'pglite') });
const prefix = `bench-${Date.now().toString(36)}`;
const workers = await createWorkerSet({
  db: database.db,
  stateDir: work,
  address: server.address,
  prefix,
  queues: ['io', 'vision', 'llm', 'gpu'],
});
void workers.run();
const client = new Client({ connection: await Connection.connect({ address: server.address }) });

const ingestStart = performance.now();
const ingested = await ingestDataset(database.db, { datasetId: 'bench', root: join(work, 'data'), manifest });
const ingestMs = performance.now() - ingestStart;
console.log(`ingested ${ingested.imagesAdded} images in ${(ingestMs / 1000).toFixed(1)} s`);

async function run(label: string, stagesConfig: Record<string, unknown>): Promise<{ wallMs: number; result: PipelineResult }> {
  const started = performance.now();
  const result: PipelineResult = await client.workflow.execute('fuseCapPipeline', {
    taskQueue: `${prefix}-io`,
    workflowId: `${prefix}-${label}`,
    args: [{ datasetId: 'bench', config: { pipeline: { stages: ['probe'], batchSize, ...stagesConfig } } }],
  });
  return { wallMs: performance.now() - started, result };
}

// 1) One batch in flight: overhead share.
const serial = await run('serial', { maxConcurrentBatches: 1 });
const serialProbe = serial.result.totals.probe;
const overheadShare = (serial.wallMs - serialProbe.activityMs) / serial.wallMs;
console.log(
  `serial (1 batch in flight): ${serialProbe.processed} probed in ${(serial.wallMs / 1000).toFixed(2)} s; ` +
    `activities ${(serialProbe.activityMs / 1000).toFixed(2)} s (model work ${(serialProbe.workMs / 1000).toFixed(2)} s); overhead ${(overheadShare * 100).toFixed(1)}%`,
);

// 2) Same images again, default window: every result is found, no model work — pure orchestration + lookups.
const cached = await run('cached', { maxConcurrentBatches: 4 });
console.log(`re-run (all cached): ${cached.result.totals.probe.skipped} skipped in ${(cached.wallMs / 1000).toFixed(2)} s`);

// 3) Throughput with the window: the same files as a second dataset, so nothing is cached.
const second = await ingestDataset(database.db, { datasetId: 'bench2', root: join(work, 'data'), manifest });
const windowStart = performance.now();
const windowed: PipelineResult = await client.workflow.execute('fuseCapPipeline', {
  taskQueue: `${prefix}-io`,
  workflowId: `${prefix}-window`,
  args: [{ datasetId: 'bench2', config: { pipeline: { stages: ['probe'], batchSize, maxConcurrentBatches: 4 } } }],
});
const windowMs = performance.now() - windowStart;
console.log(`windowed (4 batches in flight): ${windowed.totals.probe.processed} probed in ${(windowMs / 1000).toFixed(2)} s`);

await workers.shutdown();
await database.close();
rmSync(work, { recursive: true, force: true });

const figures = {
  bench: 'backbone',
  images: serialProbe.processed,
  batchSize,
  database: 'pglite',
  serialWallS: +(serial.wallMs / 1000).toFixed(3),
  serialImagesPerS: +(serialProbe.processed / (serial.wallMs / 1000)).toFixed(1),
  activitySumS: +(serialProbe.activityMs / 1000).toFixed(3),
  modelWorkSumS: +(serialProbe.workMs / 1000).toFixed(3),
  overheadShare: +overheadShare.toFixed(4),
  windowedImagesPerS: +(windowed.totals.probe.processed / (windowMs / 1000)).toFixed(1),
  windowedWallS: +(windowMs / 1000).toFixed(3),
  // The formula on the default configuration: what orchestration adds to the wall time beyond the
  // activity time the same work takes when it runs alone (the serial run's activity sum).
  windowedOverheadShare: +((windowMs - serialProbe.activityMs) / windowMs).toFixed(4),
  windowedActivitySumS: +(windowed.totals.probe.activityMs / 1000).toFixed(3),
  cachedRerunImagesPerS: +(cached.result.totals.probe.skipped / (cached.wallMs / 1000)).toFixed(1),
  ingestImagesPerS: +(second.entries / (ingestMs / 1000)).toFixed(1),
  target: { overheadShareAtMost: 0.1 },
};
console.log(JSON.stringify(figures));
process.exit(0);
