/**
 * Artifacts that refuse writes, against a real Temporal server, a real PostgreSQL and real folders made
 * unwritable (test/support/unwritable.ts: chmod 0555, or the immutable attribute when run as root):
 * - an export into a locked folder fails at once (no retries) naming the path, creates nothing there and
 *   leaves an export already in place byte for byte as it was; a path through a regular file likewise;
 * - the artifacts folder locked during training: the run fails naming a path under it, every recorded
 *   checkpoint and stage result is intact, and `fusecap resume` completes the run once it is unlocked.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import type { Session } from '../../cli/context.ts';
import { resumeRun } from '../../cli/commands/runs.ts';
import { getRun } from '../../db/queries/index.ts';
import { checkpoints, images, stageResults } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { causeChain } from '../support/processes.ts';
import { SAMPLE_DIR, freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';
import { LOCK_MEANS, lockFolders } from '../support/unwritable.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;

const TRAIN = { preset: 'tiny', captions: 'original', steps: 60, batchSize: 8, learningRate: 0.001, checkpointEvery: 10, keepLast: 2 };

/** Every file under `dir` with its sha256, so a test can say nothing in it changed. */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, prefix: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${prefix}${e.name}/`);
      else
        out[prefix + e.name] = createHash('sha256')
          .update(readFileSync(join(d, e.name)))
          .digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

describe(`artifacts that refuse writes (${LOCK_MEANS})`, () => {
  let database: Pg;
  let temporal: TemporalHarness;
  const stateDir = mkdtempSync(join(tmpdir(), 'fusecap-unwritable-state-'));
  const dir = mkdtempSync(join(tmpdir(), 'fusecap-unwritable-'));
  const unlocks: (() => void)[] = [];

  before(async () => {
    database = await freshPostgres('unwritable');
    temporal = await temporalHarness('unwritable');
    await ingestDataset(database.db, { datasetId: 'sample', root: SAMPLE_DIR, manifest: join(SAMPLE_DIR, 'captions.jsonl') });
    await temporal.startWorkers(database.db, undefined, stateDir);
  });
  after(async () => {
    for (const unlock of unlocks.splice(0)) unlock();
    await temporal?.close();
    await database?.cleanup();
  });

  const exportTo = (out: string) =>
    temporal.client.workflow.execute('exportDatasetWorkflow', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: `${temporal.prefix}-export-${Math.random().toString(36).slice(2, 8)}`,
      args: [{ datasetId: 'sample', format: 'jsonl', out, captions: 'original' }],
    });

  test('export into a locked folder: fails at once naming the path, nothing is created, the export already there is unchanged', async () => {
    const parent = join(dir, 'exports');
    mkdirSync(parent);
    const out = join(parent, 'sample-jsonl');
    await exportTo(out);
    const before = contents(parent);
    assert.ok(Object.keys(before).length > 0, 'the first export wrote files');

    const unlock = lockFolders(parent);
    unlocks.push(unlock);
    const started = Date.now();
    await assert.rejects(exportTo(out), (error: Error) => {
      const chain = causeChain(error);
      assert.match(chain, /cannot write export folder/);
      assert.ok(chain.includes(parent), `the error names the folder: ${chain}`);
      return true;
    });
    assert.ok(Date.now() - started < 30_000, 'failed without waiting through retries');
    unlock();
    unlocks.pop();
    assert.deepEqual(contents(parent), before, 'no partial file, no staging folder, the old export byte for byte');
    assert.deepEqual(readdirSync(parent), ['sample-jsonl']);
  });

  test('export to a path through a regular file (ENOTDIR): the error names the path', async () => {
    const file = join(dir, 'not-a-folder');
    writeFileSync(file, 'x');
    await assert.rejects(exportTo(join(file, 'out')), (error: Error) => {
      const chain = causeChain(error);
      assert.match(chain, /cannot write export folder .*not-a-folder.*ENOTDIR/);
      return true;
    });
    assert.equal(readFileSync(file, 'utf8'), 'x');
  });

  test('artifacts locked during training: the run fails naming the path, nothing stored is damaged, `fusecap resume` completes it', async () => {
    const runId = `${temporal.prefix}-train`;
    const handle = await temporal.client.workflow.start('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: runId,
      args: [{ datasetId: 'sample', config: { pipeline: { stages: ['probe'], train: true, benchmark: false }, train: TRAIN } }],
    });
    const recordedRows = () => database.db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(asc(checkpoints.step));
    const deadline = Date.now() + 300_000;
    while ((await recordedRows()).length === 0) {
      if (Date.now() > deadline) throw new Error('no checkpoint recorded in time');
      await new Promise((r) => setTimeout(r, 200));
    }
    const artifacts = join(stateDir, 'artifacts');
    const unlock = lockFolders(artifacts);
    unlocks.push(unlock);

    await assert.rejects(handle.result(), (error: Error) => {
      const chain = causeChain(error);
      assert.match(chain, /cannot write artifacts path/);
      assert.ok(chain.includes(artifacts), `the error names a path under the artifacts folder: ${chain}`);
      assert.match(chain, /fusecap resume/);
      return true;
    });
    const failed = await getRun(database.db, { id: runId });
    assert.equal(failed?.status, 'failed');
    assert.match(failed?.error ?? '', /cannot write artifacts path/);

    // Nothing already stored is damaged: each recorded checkpoint's files are there with the recorded hash.
    const recorded = (await recordedRows()).filter((c) => c.kept);
    assert.ok(recorded.length >= 1);
    for (const c of recorded) {
      const model = readFileSync(join(c.path, 'model.pt'));
      assert.equal(createHash('sha256').update(model).digest('hex'), c.sha256, `checkpoint at step ${c.step} is intact`);
    }
    const resultKeys = async () =>
      (
        await database.db
          .select({ imageId: stageResults.imageId, stage: stageResults.stage, ok: stageResults.output })
          .from(stageResults)
          .innerJoin(images, eq(images.id, stageResults.imageId))
          .where(eq(images.datasetId, 'sample'))
      )
        .map((r) => `${r.imageId}:${r.stage}:${r.ok !== null}`)
        .sort();
    const keysAtFailure = await resultKeys();
    assert.equal(keysAtFailure.length, 20, 'probe result per image');
    const lastRecorded = recorded.at(-1)!.step;

    unlock();
    unlocks.pop();
    const session: Session = {
      options: { stateDir, prefix: temporal.prefix, namespace: 'default' },
      client: temporal.client,
      connection: temporal.connection,
      address: temporal.address,
      close: async () => {},
    };
    await resumeRun(session, runId);
    const result = (await temporal.client.workflow.getHandle(runId).result()) as PipelineResult;
    const train = result.train!;
    assert.equal(train.resumedFromStep, lastRecorded, 'resumed from the newest checkpoint recorded before the failure');
    assert.equal(train.step, TRAIN.steps);
    assert.ok(existsSync(join(train.exportDir, 'export.json')), 'the ONNX export was written once writable');
    assert.equal((await getRun(database.db, { id: runId }))?.status, 'completed');
    const keysAfter = await resultKeys();
    // The caption pass after training adds its own rows; every row stored before the failure is still there.
    assert.deepEqual(
      keysAfter.filter((k) => !k.includes(':caption:')),
      keysAtFailure,
      'stage results: same rows, none lost or doubled',
    );
  });
});
