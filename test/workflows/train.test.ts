/**
 * Training as a durable stage, on a real Temporal server and PostgreSQL with the project's tiny BLIP:
 * a SIGKILLed worker's training resumes from the last recorded checkpoint on a new worker; bad train
 * configs fail the run fast with the trainer's message.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { datasetCaptions, listCheckpoints } from '../../db/queries/index.ts';
import { checkpoints } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { SAMPLE_DIR, freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';
import { causeChain, startWorkerProcess } from '../support/processes.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;

const TRAIN = { preset: 'tiny', captions: 'original', steps: 40, batchSize: 8, learningRate: 0.001, checkpointEvery: 10, keepLast: 2 };

describe('training supervised by Temporal', () => {
  let database: Pg;
  let temporal: TemporalHarness;
  const children: ChildProcess[] = [];
  const stateDir = mkdtempSync(join(tmpdir(), 'fusecap-train-state-'));

  before(async () => {
    database = await freshPostgres('train');
    temporal = await temporalHarness('train');
    await ingestDataset(database.db, { datasetId: 'sample', root: SAMPLE_DIR, manifest: join(SAMPLE_DIR, 'captions.jsonl') });
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await temporal?.close();
    await database?.cleanup();
  });

  const startWorker = () =>
    startWorkerProcess(
      { DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, FUSECAP_QUEUE_PREFIX: temporal.prefix, FUSECAP_HOME: stateDir },
      children,
    );

  test('SIGKILL the worker during training: the retry resumes after the last checkpoint and ends at the configured step', async () => {
    const first = await startWorker();
    const runId = `${temporal.prefix}-train`;
    const handle = await temporal.client.workflow.start('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: runId,
      args: [{ datasetId: 'sample', config: { pipeline: { stages: ['probe'], train: true, benchmark: false }, train: TRAIN } }],
    });
    const deadline = Date.now() + 240_000;
    let recorded: { step: number }[] = [];
    while (recorded.length === 0) {
      if (Date.now() > deadline) throw new Error('no checkpoint recorded in time');
      await new Promise((r) => setTimeout(r, 200));
      recorded = await database.db.select({ step: checkpoints.step }).from(checkpoints).where(eq(checkpoints.runId, runId));
    }
    first.kill('SIGKILL');
    const killedAfter = Math.max(...recorded.map((r) => r.step));
    assert.ok(killedAfter < TRAIN.steps, `killed mid-training (last checkpoint at step ${killedAfter})`);

    await startWorker();
    const result: PipelineResult = await handle.result();
    const train = result.train!;
    assert.ok(
      train.resumedFromStep !== null && train.resumedFromStep >= killedAfter,
      `resumed from a recorded checkpoint (${train.resumedFromStep})`,
    );
    assert.equal(train.firstStep, train.resumedFromStep! + 1, 'the first step after the resume follows the checkpoint');
    assert.equal(train.step, TRAIN.steps, 'training ends at the configured step count');
    const kept = await listCheckpoints(database.db, { runId });
    assert.ok(kept.length >= 1 && kept.length <= TRAIN.keepLast + 1, `keeps the last ${TRAIN.keepLast} and the best (${kept.length} kept)`);
    assert.ok(kept.at(-1)!.exportPath, 'the final checkpoint has its ONNX export recorded');
    const generated = await datasetCaptions(database.db, { datasetId: 'sample', source: 'generated' });
    assert.equal(generated.length, 20, 'the caption pass wrote a caption for every image with the new checkpoint');
    assert.ok(generated.every((g) => g.text.length > 0 && g.modelId.startsWith('fusecap-blip/')));
  });

  test('a missing pretrained checkpoint or an impossible batch size fails the run fast with the trainer message', async () => {
    await temporal.startWorkers(database.db, undefined, stateDir);
    const started = Date.now();
    await assert.rejects(
      temporal.client.workflow.execute('fuseCapPipeline', {
        taskQueue: `${temporal.prefix}-io`,
        workflowId: `${temporal.prefix}-bad-pretrained`,
        args: [
          {
            datasetId: 'sample',
            config: { pipeline: { stages: ['probe'], train: true }, train: { ...TRAIN, pretrained: '/nonexistent/blip-base' } },
          },
        ],
      }),
      (error: Error) => {
        const chain = causeChain(error);
        assert.match(chain, /refused the run config/);
        assert.match(chain, /nonexistent\/blip-base/);
        return true;
      },
    );
    await assert.rejects(
      temporal.client.workflow.execute('fuseCapPipeline', {
        taskQueue: `${temporal.prefix}-io`,
        workflowId: `${temporal.prefix}-bad-batch`,
        args: [{ datasetId: 'sample', config: { pipeline: { stages: ['probe'], train: true }, train: { ...TRAIN, batchSize: 4096 } } }],
      }),
      (error: Error) => {
        assert.match(causeChain(error), /--batch-size 4096 is larger/);
        return true;
      },
    );
    assert.ok(Date.now() - started < 120_000, 'both failed without retries');
  });
});
