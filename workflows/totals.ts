/**
 * Per-stage totals of a run, summed from batch results. Pure (no @temporalio/workflow), so the CLI adds
 * running batches' finished stages to a run's totals with the same code the enrich workflow uses.
 */
import type { StageBatchResult } from '../activities/stage-batch.ts';

export interface StageTotals {
  images: number;
  processed: number;
  skipped: number;
  failed: number;
  errorsByCode: Record<string, number>;
  workMs: number;
  activityMs: number;
}

function totalsOf(totals: Record<string, StageTotals>, stage: string): StageTotals {
  return (totals[stage] ??= { images: 0, processed: 0, skipped: 0, failed: 0, errorsByCode: {}, workMs: 0, activityMs: 0 });
}

/** Counts `done` images of a stage still running (from its heartbeat) as processed. */
export function addRunningCount(totals: Record<string, StageTotals>, stage: string, done: number): void {
  const t = totalsOf(totals, stage);
  t.images += done;
  t.processed += done;
}

export function addBatchResults(totals: Record<string, StageTotals>, results: StageBatchResult[]): void {
  for (const r of results) {
    const t = totalsOf(totals, r.stage);
    t.images += r.images;
    t.processed += r.processed;
    t.skipped += r.skipped;
    t.failed += r.failed;
    t.workMs += r.workMs;
    t.activityMs += r.activityMs ?? 0;
    for (const [code, n] of Object.entries(r.errorsByCode)) t.errorsByCode[code] = (t.errorsByCode[code] ?? 0) + n;
  }
}
