/**
 * The CLI as a new user meets it, against a real Temporal server and a real PostgreSQL: a schedule shows
 * in `schedule list` right after `schedule create`; `schedule trigger` with no worker warns that the run
 * will wait and `status` shows it waiting; once a worker starts, the run completes and `status` (text and
 * `--json`, the latter from the real `bin/fusecap.js` process) shows its dataset, kind, counts and duration.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { main } from '../../cli/main.ts';
import type { RunSummary } from '../../cli/commands/status.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { writeGeneratedDataset } from '../support/images.ts';
import { freshPostgres, REPO_ROOT, temporalHarness, type TemporalHarness } from '../support/services.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;

let database: Pg;
let temporal: TemporalHarness;
let home: string;
let env: Record<string, string>;
const saved: Record<string, string | undefined> = {};

/** Runs the CLI's main() in this process with the test's environment; returns what it printed. */
async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = console.log;
  console.log = (...parts: unknown[]) => void lines.push(parts.map(String).join(' '));
  try {
    const code = await main(argv);
    return { code, out: lines.join('\n') };
  } finally {
    console.log = log;
  }
}

before(async () => {
  database = await freshPostgres('cli_status');
  temporal = await temporalHarness('clistatus');
  home = mkdtempSync(join(tmpdir(), 'fusecap-cli-home-'));
  env = { TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', FUSECAP_HOME: home, FUSECAP_QUEUE_PREFIX: temporal.prefix };
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  // Five good images and one truncated JPEG, which probe records as a per-image failure.
  const dir = join(home, 'data');
  const manifest = await writeGeneratedDataset(dir, 5);
  writeFileSync(
    join(dir, 'truncated.jpg'),
    readFileSync(join(dir, JSON.parse(readFileSync(manifest, 'utf8').split('\n')[0]).file)).subarray(0, 120),
  );
  appendFileSync(manifest, `${JSON.stringify({ file: 'truncated.jpg', captions: ['a cut-off picture'] })}\n`);
  await ingestDataset(database.db, { datasetId: 'truth', root: dir, manifest });
  writeFileSync(join(home, 'config.json'), JSON.stringify({ pipeline: { stages: ['probe'], batchSize: 4, benchmark: false } }));
});

after(async () => {
  await temporal?.close();
  await database?.cleanup();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('create → list at once; trigger without a worker warns and status shows waiting; a worker completes it with counts', async () => {
  const scheduleId = `${temporal.prefix}-sched-truth`;
  const created = await cli('schedule', 'create', 'truth', '--every', '1h', '--id', scheduleId, '--config', join(home, 'config.json'));
  assert.equal(created.code, 0);
  assert.match(created.out, /warning: no worker serves .*-io/, 'create says no worker serves the queues');
  assert.match(created.out, /fusecap up/, 'and how to start one');

  const listed = await cli('schedule', 'list');
  assert.match(
    listed.out,
    new RegExp(`${scheduleId}\\s+active\\s+dataset truth\\s+every 1h`),
    'the new schedule is listed at once with its spec',
  );
  assert.match(listed.out, /next run 20\d\d-\d\d-\d\dT/, 'with its next run time');
  assert.match(listed.out, /no run yet/);

  const triggered = await cli('schedule', 'trigger', scheduleId);
  assert.match(triggered.out, /triggered schedule/);
  assert.match(triggered.out, /warning: no worker serves .*-io.*the run it started waits/s);

  let waiting: RunSummary | undefined;
  const deadline = Date.now() + 30_000;
  while (!waiting && Date.now() < deadline) {
    const { out } = await cli('status', '--json');
    waiting = (JSON.parse(out) as RunSummary[]).find((r) => r.id.startsWith(scheduleId));
    if (!waiting) await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(waiting, 'status lists the triggered run before any worker touched it');
  assert.equal(waiting.state, 'waiting');
  assert.equal(waiting.kind, 'scheduled');
  assert.equal(waiting.dataset, 'truth');
  assert.deepEqual(waiting.waitingFor, [`${temporal.prefix}-io`]);
  const table = await cli('status');
  assert.match(table.out, new RegExp(`${waiting.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+truth\\s+scheduled\\s+waiting`));
  assert.match(table.out, /waiting: no worker serves/);

  await temporal.startWorkers(database.db);
  await temporal.client.workflow.getHandle(waiting.id).result();

  // The real executable, as a script would call it: stdout must be JSON and nothing else.
  const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'bin', 'fusecap.js'), 'status', '--json'], {
    env: { ...process.env, ...env },
    cwd: home,
  });
  const runs = JSON.parse(stdout) as RunSummary[];
  const done = runs.find((r) => r.id === waiting.id);
  assert.ok(done, 'the completed run is listed');
  assert.equal(runs.filter((r) => r.id.startsWith(scheduleId)).length, 1, 'the scheduled run and its pipeline child are one row');
  assert.equal(done.state, 'completed');
  assert.equal(done.kind, 'scheduled');
  assert.equal(done.dataset, 'truth');
  assert.equal(done.imagesTotal, 6);
  assert.equal(done.imagesDone, 6);
  assert.equal(done.failures, 1, 'the truncated JPEG failed probe');
  assert.deepEqual(done.failedByStage, { probe: 1 });
  assert.ok(done.durationMs > 0 && done.closedAt && Date.parse(done.closedAt) >= Date.parse(done.startedAt));
  assert.deepEqual(done.waitingFor, []);

  const after = await cli('schedule', 'list');
  assert.match(after.out, new RegExp(`last run ${waiting.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} completed \\(6/6 images\\)`));
  const retriggered = await cli('schedule', 'trigger', scheduleId);
  assert.doesNotMatch(retriggered.out, /warning/, 'no warning while a worker serves every queue');
  assert.equal((await cli('schedule', 'delete', scheduleId)).code, 0);
});
