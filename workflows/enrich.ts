/**
 * enrichDataset: runs the per-image stages over the images with seq in (afterSeq, untilSeq], as child
 * workflows of one batch each, at most maxConcurrentBatches in flight (a sliding window). After
 * batchesPerExecution batches it continues as new, carrying its totals, so a 12M-image dataset never grows
 * one history past a few thousand events.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { continueAsNew, defineQuery, executeChild, patched, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { StageBatchResult } from '../activities/stage-batch.ts';
import type { FusecapConfig } from '../config/schema.ts';
import { bookkeeping, stageActivities } from './proxies.ts';
import { currentQueuePrefix } from './queues.ts';
import { addBatchResults, type StageTotals } from './totals.ts';

export type { StageTotals } from './totals.ts';

export interface EnrichInput {
  runId: string;
  datasetId: string;
  config: FusecapConfig;
  levels: string[][];
  afterSeq: number;
  untilSeq: number;
  /** Re-run stored errors that may pass (lib/error-codes.ts). */
  retryErrors?: boolean;
  /** Carried across continue-as-new. */
  cursor?: number;
  totals?: Record<string, StageTotals>;
  batchesDone?: number;
  imagesPlanned?: number;
}

export interface EnrichProgress {
  imagesPlanned: number;
  batchesDone: number;
  batchesInFlight: number;
  /** Workflow ids of the batches running now: their `batchProgress` query has the stages they finished. */
  batchesRunning?: string[];
  totals: Record<string, StageTotals>;
  done: boolean;
}

export const enrichProgressQuery = defineQuery<EnrichProgress>('progress');
/** A running batch's finished stages, so progress moves stage by stage rather than batch by batch. */
export const batchProgressQuery = defineQuery<StageBatchResult[]>('batchProgress');

export interface BatchInput {
  runId: string;
  datasetId: string;
  config: FusecapConfig;
  levels: string[][];
  afterSeq: number;
  untilSeq: number;
  retryErrors?: boolean;
}

/** One batch: each level's stages concurrently, levels in order. */
export async function processBatch(input: BatchInput): Promise<StageBatchResult[]> {
  const results: StageBatchResult[] = [];
  // In the order they finish (the result keeps the levels' order); only the query reads it.
  const finished: StageBatchResult[] = [];
  setHandler(batchProgressQuery, () => finished);
  for (const level of input.levels) {
    const outcomes = await Promise.all(
      level.map((stage) =>
        stageActivities(stage, input.config.pipeline.stageAttempts)
          .runStageBatch({
            runId: input.runId,
            datasetId: input.datasetId,
            stage,
            range: { afterSeq: input.afterSeq, untilSeq: input.untilSeq },
            config: input.config,
            ...(input.retryErrors ? { retryErrors: true } : {}),
          })
          .then((outcome) => {
            finished.push(outcome);
            return outcome;
          }),
      ),
    );
    results.push(...outcomes);
  }
  return results;
}

export async function enrichDataset(input: EnrichInput): Promise<{ totals: Record<string, StageTotals>; batches: number; images: number }> {
  const { pipeline } = input.config;
  const totals = input.totals ?? {};
  let cursor = input.cursor ?? input.afterSeq;
  let batchesDone = input.batchesDone ?? 0;
  const runningIds = new Set<string>();
  const db = bookkeeping();
  const imagesPlanned =
    input.imagesPlanned ??
    (await db.countImagesInRange({ datasetId: input.datasetId, afterSeq: input.afterSeq, untilSeq: input.untilSeq }));
  setHandler(enrichProgressQuery, () => ({
    imagesPlanned,
    batchesDone,
    batchesInFlight: runningIds.size,
    batchesRunning: [...runningIds],
    totals,
    done: false,
  }));

  const plan = await db.planBatches({
    datasetId: input.datasetId,
    afterSeq: cursor,
    untilSeq: input.untilSeq,
    batchSize: pipeline.batchSize,
    maxBatches: pipeline.batchesPerExecution,
  });
  const batchIds = batchIdBase(input);
  const running = new Set<Promise<void>>();
  for (const range of plan.ranges) {
    while (running.size >= pipeline.maxConcurrentBatches) await Promise.race(running);
    const childId = `${batchIds}/batch-${range.afterSeq}-${range.untilSeq}`;
    const child = executeBatch(childId, [
      {
        runId: input.runId,
        datasetId: input.datasetId,
        config: input.config,
        levels: input.levels,
        afterSeq: range.afterSeq,
        untilSeq: range.untilSeq,
        ...(input.retryErrors ? { retryErrors: true } : {}),
      },
    ]);
    runningIds.add(childId);
    const tracked: Promise<void> = child.then((results) => {
      addBatchResults(totals, results);
      batchesDone++;
      runningIds.delete(childId);
      running.delete(tracked);
    });
    running.add(tracked);
    cursor = range.untilSeq;
  }
  await Promise.all(running);

  if (plan.remaining > 0) {
    await continueAsNew<typeof enrichDataset>({ ...input, cursor, totals, batchesDone, imagesPlanned });
  }
  setHandler(enrichProgressQuery, () => ({ imagesPlanned, batchesDone, batchesInFlight: 0, totals, done: true }));
  return { totals, batches: batchesDone, images: imagesPlanned };
}

/**
 * Where batch child ids start. They name the dataset, the work (stage levels + config) and the range, not
 * the run: two runs of the same work on one dataset at once meet on the same child id, and the second
 * waits for the first's batch instead of doing its model work again (executeBatch). A resumed run's
 * batches line up with the first attempt's too. Histories recorded before this change keep their
 * run-scoped ids (patched).
 */
function batchIdBase(input: EnrichInput): string {
  if (!patched('batches-keyed-by-work')) return workflowInfo().workflowId;
  return `fusecap-batch/${currentQueuePrefix()}/${input.datasetId}/${fnv1a(JSON.stringify([input.levels, input.config]))}`;
}

/** Runs one batch child; while another run's child with the same id runs, waits and tries again. */
async function executeBatch(workflowId: string, args: [BatchInput]): Promise<StageBatchResult[]> {
  for (;;) {
    try {
      return await executeChild(processBatch, { workflowId, args });
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      // Ours starts once theirs is closed, finds every result they stored and skips it.
      await sleep('3 seconds');
    }
  }
}

/** 32-bit FNV-1a as 8 hex digits: a short, deterministic name for the work (no crypto in workflows). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
