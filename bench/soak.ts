/**
 * bench:soak — N generated images through probe → detect → fuse (grounded; the planner adds the stages
 * fuse uses, attributes and ocr) on a real PostgreSQL and a Temporal dev server of its own, with two
 * worker processes: one is SIGKILLed and restarted every --kill-every seconds, and the Temporal server
 * is SIGKILLed and restarted once, when about 40% of the images are done.
 *
 * Reports images/s, kills survived, images lost (no result at the end; target 0), images processed twice
 * (a second write of a stage result, counted by a trigger on stage_results; target 0), peak RSS per
 * worker slot (VmHWM, the largest over its incarnations) and the largest workflow history (events).
 * Last line: one JSON object.
 *
 *   npm run bench:soak [-- --images 20000 --kill-every 30 --size 64]
 */
import { Client, Connection } from '@temporalio/client';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'drizzle-orm';
import { openDatabase } from '../db/client.ts';
import { ingestDataset } from '../ingest/ingest-dataset.ts';
import { createTestDatabase, startPostgres } from '../services/postgres.ts';
import { startTemporalDevServer } from '../services/temporal-server.ts';
import { writeGeneratedDataset } from '../test/support/images.ts';
import { startWorkerProcess } from '../test/support/processes.ts';
import type { PipelineResult } from '../workflows/pipeline.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '20000' },
    'kill-every': { type: 'string', default: '30' },
    size: { type: 'string', default: '64' },
    batch: { type: 'string', default: '32' },
  },
});
const N = Number(values.images);
const killEveryMs = Number(values['kill-every']) * 1000;
const work = mkdtempSync(join(tmpdir(), 'fusecap-soak-'));
chmodSync(work, 0o755); // PostgreSQL runs as the postgres OS user, which must reach its data dir
const children: ChildProcess[] = [];
const say = (text: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${text}`);

say(`generating ${N} images (${values.size} px) in ${work}`);
const manifest = await writeGeneratedDataset(join(work, 'data'), N, { size: Number(values.size) });
const pg = await startPostgres({ dataDir: join(work, 'pgdata'), logFile: join(work, 'pg.log') });
const url = await createTestDatabase(pg.url, 'soak');
const database = await openDatabase({ url });
await database.db.execute(sql`create table stage_result_rewrites (image_id text, stage text)`);
await database.db.execute(sql`create function log_rewrite() returns trigger language plpgsql as $$
  begin insert into stage_result_rewrites values (new.image_id, new.stage); return new; end $$`);
await database.db.execute(sql`create trigger rewrite after update on stage_results for each row execute function log_rewrite()`);
await ingestDataset(database.db, { datasetId: 'soak', root: join(work, 'data'), manifest });
say('ingested');

const serverOptions = { dbFile: join(work, 'temporal.db'), logFile: join(work, 'temporal.log'), headless: true };
let server = await startTemporalDevServer(serverOptions);
const port = Number(server.address.split(':')[1]);
const prefix = `soak-${Date.now().toString(36)}`;
const env = { DATABASE_URL: url, TEMPORAL_ADDRESS: server.address, FUSECAP_QUEUE_PREFIX: prefix };

/** Peak resident memory of a live process, MB (VmHWM in /proc). */
function peakRssMb(pid: number | undefined): number {
  try {
    const line = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmHWM:\s+(\d+) kB/);
    return line ? Number(line[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}
await startWorkerProcess(env, children);
await startWorkerProcess(env, children);
// Slot 0 is the one killed; its process may still be starting (loading models) when the next kill comes.
const slots = [children[0], children[1]];
const peaks = [0, 0];
const notePeaks = () => slots.forEach((w, i) => (peaks[i] = Math.max(peaks[i], peakRssMb(w.pid))));

const config = {
  pipeline: { stages: ['probe', 'detect', 'fuse'], batchSize: Number(values.batch), maxConcurrentBatches: 4, benchmark: false },
  detect: { threads: 1 },
  attributes: { faces: false },
  fuse: { backend: 'grounded' },
};
let connection = await Connection.connect({ address: server.address });
const runId = `${prefix}-run`;
const started = performance.now();
await new Client({ connection }).workflow.start('fuseCapPipeline', {
  taskQueue: `${prefix}-io`,
  workflowId: runId,
  args: [{ datasetId: 'soak', config }],
});

const fused = async () => {
  const r = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from stage_results where stage = 'fuse'`);
  return Number((r as unknown as { rows: { n: number }[] }).rows[0].n);
};
let kills = 0;
let serverRestarted = false;
const killer = setInterval(() => {
  notePeaks();
  if (slots[0].exitCode === null && slots[0].signalCode === null) {
    slots[0].kill('SIGKILL');
    kills++;
    say(`SIGKILLed worker 0 (kill ${kills})`);
  }
  startWorkerProcess(env, children).catch(() => undefined); // a replacement killed while starting rejects
  slots[0] = children[children.length - 1];
}, killEveryMs);
const watcher = setInterval(() => {
  notePeaks();
  void fused()
    .then(async (done) => {
      say(`${done}/${N} fused`);
      if (!serverRestarted && done >= N * 0.4) {
        serverRestarted = true;
        process.kill(server.pid, 'SIGKILL');
        say('SIGKILLed the Temporal server');
        await new Promise((r) => setTimeout(r, 1000));
        server = await startTemporalDevServer({ ...serverOptions, port });
        say('Temporal server restarted');
      }
    })
    .catch(() => undefined);
}, 5_000);

let result: PipelineResult | undefined;
for (;;) {
  try {
    result = (await new Client({ connection }).workflow.getHandle(runId).result()) as PipelineResult;
    break;
  } catch (error) {
    // The connection dies with the server; reconnect and keep waiting unless the run itself failed.
    if (/failed|terminated|cancel/i.test((error as Error).name ?? '') && !/Service|Connection|UNAVAILABLE/i.test(String(error)))
      throw error;
    await new Promise((r) => setTimeout(r, 1000));
    await connection.close().catch(() => undefined);
    connection = await Connection.connect({ address: server.address }).catch(() => connection);
  }
}
const wallS = (performance.now() - started) / 1000;
clearInterval(killer);
clearInterval(watcher);
notePeaks();

const count = async (query: ReturnType<typeof sql>) => {
  const r = await database.db.execute<{ n: number }>(query);
  return Number((r as unknown as { rows: { n: number }[] }).rows[0].n);
};
const stages = result.totals ? Object.keys(result.totals) : [];
const lost = await count(sql`select count(*)::int as n from images i where not exists (
  select 1 from stage_results s where s.image_id = i.id and s.stage = 'fuse' and s.output is not null)`);
const twice = await count(sql`select count(distinct image_id)::int as n from stage_result_rewrites`);
// Images with the same bytes are one image row (its id holds the sha256), so images/s is over distinct
// contents: a generator that repeats itself must not inflate it.
const distinct = await count(sql`select count(distinct sha256)::int as n from images`);

// Largest history: the pipeline, its enrich executions and every batch child.
const client = new Client({ connection });
let largestHistory = 0;
for await (const wf of client.workflow.list({ query: `WorkflowId STARTS_WITH "${runId}"` })) {
  const history = await client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
  largestHistory = Math.max(largestHistory, history.events?.length ?? 0);
}

for (const c of children) c.kill('SIGKILL');
await connection.close();
await server.stop();
await database.close();
await pg.stop();
rmSync(work, { recursive: true, force: true });

const figures = {
  bench: 'soak',
  images: N,
  distinctImages: distinct,
  stages,
  wallS: Math.round(wallS * 10) / 10,
  imagesPerSecond: Math.round((distinct / wallS) * 100) / 100, // images of model work: distinct contents
  killsSurvived: kills,
  temporalRestarts: serverRestarted ? 1 : 0,
  imagesLost: lost,
  imagesProcessedTwice: twice,
  peakRssMbPerWorker: peaks.map((p) => Math.round(p)),
  largestHistoryEvents: largestHistory,
};
say(
  `${N} images (${distinct} distinct) in ${figures.wallS} s = ${figures.imagesPerSecond} images/s; kills ${kills}; lost ${lost}; twice ${twice}; ` +
    `peak RSS ${figures.peakRssMbPerWorker.join(' / ')} MB; largest history ${largestHistory} events`,
);
console.log(JSON.stringify(figures));
process.exit(0);
