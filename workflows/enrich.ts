/**
 * enrichDataset: runs the per-image stages over the images with seq in (afterSeq, untilSeq], as child
 * workflows of one batch each, at most maxConcurrentBatches in flight (a sliding window). After
 * batchesPerExecution batches it continues as new, carrying its totals, so a 12M-image dataset never grows
 * one history past a few thousand events.
 */
import { continueAsNew, defineQuery, executeChild, setHandler, workflowInfo } from '@temporalio/workflow';
import type { StageBatchResult } from '../activities/stage-batch.ts';
import type { FusecapConfig } from '../config/schema.ts';
import { bookkeeping, stageActivities } from './proxies.ts';

export interface StageTotals {
  images: number;
  processed: number;
  skipped: number;
  failed: number;
  errorsByCode: Record<string, number>;
  workMs: number;
  activityMs: number;
}

export interface EnrichInput {
  runId: string;
  datasetId: string;
  config: FusecapConfig;
  levels: string[][];
  afterSeq: number;
  untilSeq: number;
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
  totals: Record<string, StageTotals>;
  done: boolean;
}

export const enrichProgressQuery = defineQuery<EnrichProgress>('progress');

export interface BatchInput {
  runId: string;
  datasetId: string;
  config: FusecapConfig;
  levels: string[][];
  afterSeq: number;
  untilSeq: number;
}

/** One batch: each level's stages concurrently, levels in order. */
export async function processBatch(input: BatchInput): Promise<StageBatchResult[]> {
  const results: StageBatchResult[] = [];
  for (const level of input.levels) {
    const outcomes = await Promise.all(
      level.map((stage) =>
        stageActivities(stage).runStageBatch({
          runId: input.runId,
          datasetId: input.datasetId,
          stage,
          range: { afterSeq: input.afterSeq, untilSeq: input.untilSeq },
          config: input.config,
        }),
      ),
    );
    results.push(...outcomes);
  }
  return results;
}

export function addBatchResults(totals: Record<string, StageTotals>, results: StageBatchResult[]): void {
  for (const r of results) {
    const t = (totals[r.stage] ??= { images: 0, processed: 0, skipped: 0, failed: 0, errorsByCode: {}, workMs: 0, activityMs: 0 });
    t.images += r.images;
    t.processed += r.processed;
    t.skipped += r.skipped;
    t.failed += r.failed;
    t.workMs += r.workMs;
    t.activityMs += r.activityMs ?? 0;
    for (const [code, n] of Object.entries(r.errorsByCode)) t.errorsByCode[code] = (t.errorsByCode[code] ?? 0) + n;
  }
}

export async function enrichDataset(input: EnrichInput): Promise<{ totals: Record<string, StageTotals>; batches: number; images: number }> {
  const { pipeline } = input.config;
  const totals = input.totals ?? {};
  let cursor = input.cursor ?? input.afterSeq;
  let batchesDone = input.batchesDone ?? 0;
  let inFlight = 0;
  const db = bookkeeping();
  const imagesPlanned =
    input.imagesPlanned ??
    (await db.countImagesInRange({ datasetId: input.datasetId, afterSeq: input.afterSeq, untilSeq: input.untilSeq }));
  setHandler(enrichProgressQuery, () => ({ imagesPlanned, batchesDone, batchesInFlight: inFlight, totals, done: false }));

  const plan = await db.planBatches({
    datasetId: input.datasetId,
    afterSeq: cursor,
    untilSeq: input.untilSeq,
    batchSize: pipeline.batchSize,
    maxBatches: pipeline.batchesPerExecution,
  });
  const self = workflowInfo().workflowId;
  const running = new Set<Promise<void>>();
  for (const range of plan.ranges) {
    while (running.size >= pipeline.maxConcurrentBatches) await Promise.race(running);
    // The child id names the range, so a resumed run's batches line up with the first attempt's.
    const child = executeChild(processBatch, {
      workflowId: `${self}/batch-${range.afterSeq}-${range.untilSeq}`,
      args: [
        {
          runId: input.runId,
          datasetId: input.datasetId,
          config: input.config,
          levels: input.levels,
          afterSeq: range.afterSeq,
          untilSeq: range.untilSeq,
        },
      ],
    });
    inFlight++;
    const tracked: Promise<void> = child.then((results) => {
      addBatchResults(totals, results);
      batchesDone++;
      inFlight--;
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
