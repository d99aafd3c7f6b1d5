/**
 * Records the workflow histories that test/workflows/replay.test.ts replays: a pipeline run whose enrich
 * workflow continues as new, and a scheduled run, on the real Temporal server and PostgreSQL the test
 * services provide. Re-record after an intended change of workflow code (and say so in the commit):
 *
 *   npm run record:histories
 *
 * Written to test/fixtures/histories/<name>.json as { workflowId, workflowType, history }.
 */
import type { Client } from '@temporalio/client';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { writeGeneratedDataset } from '../support/images.ts';
import { freshPostgres, temporalHarness } from '../support/services.ts';
import { HISTORIES_DIR, historyToPlainJson } from './history-files.ts';

/** Every execution of a workflow id, oldest first: the latest run, then back along continue-as-new. */
async function executions(client: Client, workflowId: string) {
  const runs: { runId: string | undefined; history: Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>> }[] =
    [];
  let runId: string | undefined;
  for (;;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift({ runId, history });
    const previous = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId;
    if (!previous) return runs;
    runId = previous;
  }
}

async function main(): Promise<void> {
  const database = await freshPostgres('histories');
  const temporal = await temporalHarness('histories');
  const dir = mkdtempSync(join(tmpdir(), 'fusecap-histories-'));
  const written: string[] = [];
  const save = async (name: string, workflowId: string, workflowType: string) => {
    const runs = await executions(temporal.client, workflowId);
    for (const [i, run] of runs.entries()) {
      const file = `${name}${runs.length > 1 ? `-${i + 1}` : ''}.json`;
      writeFileSync(
        join(HISTORIES_DIR, file),
        JSON.stringify({ workflowId, workflowType, history: historyToPlainJson(run.history) }, null, 1) + '\n',
      );
      written.push(file);
    }
  };
  try {
    mkdirSync(HISTORIES_DIR, { recursive: true });
    await temporal.startWorkers(database.db);
    const manifest = await writeGeneratedDataset(join(dir, 'h'), 6);
    await ingestDataset(database.db, { datasetId: 'h', root: join(dir, 'h'), manifest });

    // batchesPerExecution 1 with 3 batches: enrichDataset continues as new twice.
    const pipelineId = `${temporal.prefix}-pipeline`;
    await temporal.client.workflow.execute('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: pipelineId,
      args: [
        { datasetId: 'h', config: { pipeline: { stages: ['probe'], batchSize: 2, maxConcurrentBatches: 1, batchesPerExecution: 1 } } },
      ],
    });
    await save('pipeline', pipelineId, 'fuseCapPipeline');
    await save('enrich', `${pipelineId}/enrich`, 'enrichDataset');
    const [firstEnrich] = await executions(temporal.client, `${pipelineId}/enrich`);
    const batchId = firstEnrich.history.events?.find((e) => e.childWorkflowExecutionStartedEventAttributes)
      ?.childWorkflowExecutionStartedEventAttributes?.workflowExecution?.workflowId;
    if (!batchId) throw new Error('the enrich history started no batch child');
    await save('batch', batchId, 'processBatch');

    const scheduledId = `${temporal.prefix}-scheduled`;
    await writeGeneratedDataset(join(dir, 'h'), 8); // two more images for the schedule to find
    await ingestDataset(database.db, { datasetId: 'h', root: join(dir, 'h'), manifest });
    await temporal.client.workflow.execute('scheduledEnrichment', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: scheduledId,
      args: [{ datasetId: 'h', scheduleId: 'replay', config: { pipeline: { stages: ['probe'], benchmark: false } } }],
    });
    await save('scheduled', scheduledId, 'scheduledEnrichment');
    console.log(`wrote ${written.length} histories to ${HISTORIES_DIR}: ${written.join(', ')}`);
  } finally {
    await temporal.close();
    await database.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
