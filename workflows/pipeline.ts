/**
 * fuseCapPipeline: the main job. Validates the config, fixes the set of images (those present when the run
 * starts), enriches them stage by stage, then (by config) trains a captioner, captions, and benchmarks.
 * Started by `fusecap run`, by the Temporal CLI (`temporal workflow start --type fuseCapPipeline`), or by a
 * schedule through scheduledEnrichment. Re-running it with the same input does only the missing work.
 */
import { ApplicationFailure, defineQuery, executeChild, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { FusecapConfigInput } from '../config/schema.ts';
import type { BenchmarkResult } from '../activities/benchmark.ts';
import type { TrainResult } from '../activities/train.ts';
import { benchmarkActivities, bookkeeping, gpuActivities } from './proxies.ts';
import { enrichDataset, type StageTotals } from './enrich.ts';
import { FusecapDatasetKey, FusecapRunKindKey, FusecapStageKey } from './search-attributes.ts';

export interface PipelineInput {
  datasetId: string;
  config?: FusecapConfigInput;
  /** Only images with seq in (afterSeq, untilSeq]; defaults: all images present at start. */
  afterSeq?: number;
  untilSeq?: number;
  kind?: 'pipeline' | 'scheduled';
  scheduleId?: string;
}

export interface PipelineStatus {
  phase: 'starting' | 'enriching' | 'training' | 'captioning' | 'benchmarking' | 'completed' | 'failed';
  datasetId: string;
  enrichWorkflowId: string;
  afterSeq: number;
  untilSeq: number;
  stages: string[][];
  totals?: Record<string, StageTotals>;
  train?: { step: number; checkpointId: string; exportDir: string };
  reportPath?: string;
  error?: string;
}

export const pipelineStatusQuery = defineQuery<PipelineStatus>('status');

export interface PipelineResult {
  runId: string;
  datasetId: string;
  images: number;
  afterSeq: number;
  untilSeq: number;
  totals: Record<string, StageTotals>;
  train?: TrainResult;
  benchmark?: BenchmarkResult;
  reportPath?: string;
}

export async function fuseCapPipeline(input: PipelineInput): Promise<PipelineResult> {
  if (!input || typeof input.datasetId !== 'string' || input.datasetId === '') {
    throw ApplicationFailure.nonRetryable('fuseCapPipeline needs {"datasetId": "<name>"} as input', 'InvalidConfig');
  }
  const runId = workflowInfo().workflowId;
  const kind = input.kind ?? 'pipeline';
  upsertSearchAttributes([
    { key: FusecapDatasetKey, value: input.datasetId },
    { key: FusecapRunKindKey, value: kind },
  ]);
  const status: PipelineStatus = {
    phase: 'starting',
    datasetId: input.datasetId,
    enrichWorkflowId: `${runId}/enrich`,
    afterSeq: input.afterSeq ?? 0,
    untilSeq: 0,
    stages: [],
  };
  setHandler(pipelineStatusQuery, () => status);
  // The phase is also the FusecapStage search attribute: `temporal workflow list --query
  // 'FusecapStage="training"'` finds the runs that are training now.
  const enter = (phase: PipelineStatus['phase']): void => {
    status.phase = phase;
    upsertSearchAttributes([{ key: FusecapStageKey, value: phase }]);
  };

  const db = bookkeeping();
  const { config, levels } = await db.resolveConfig({ config: input.config, datasetId: input.datasetId });
  status.stages = levels;
  const untilSeq = input.untilSeq ?? (await db.datasetWatermark({ datasetId: input.datasetId })).maxSeq;
  status.untilSeq = untilSeq;
  const started = Date.now();
  await db.recordRunStart({
    id: runId,
    kind,
    datasetId: input.datasetId,
    config: { ...config, scheduleId: input.scheduleId, afterSeq: status.afterSeq, untilSeq },
  });
  try {
    enter('enriching');
    const enriched = await executeChild(enrichDataset, {
      workflowId: status.enrichWorkflowId,
      args: [{ runId, datasetId: input.datasetId, config, levels, afterSeq: status.afterSeq, untilSeq }],
    });
    status.totals = enriched.totals;
    const totals = { ...enriched.totals };
    const timings: Record<string, number> = { enrichMs: Date.now() - started };

    let trained: TrainResult | undefined;
    let runConfig = config;
    if (config.pipeline.train) {
      enter('training');
      const t0 = Date.now();
      trained = await gpuActivities().trainCaptioner({ runId, datasetId: input.datasetId, config });
      timings.trainMs = Date.now() - t0;
      status.train = { step: trained.step, checkpointId: trained.checkpointId, exportDir: trained.exportDir };
      // Caption every image of the run with the new checkpoint: the same enrichment machinery, one stage.
      enter('captioning');
      const t1 = Date.now();
      runConfig = { ...config, caption: { ...config.caption, exportDir: trained.exportDir, checkpointId: trained.checkpointId } };
      status.stages = [...levels, ['caption']];
      status.enrichWorkflowId = `${runId}/caption`;
      const captioned = await executeChild(enrichDataset, {
        workflowId: status.enrichWorkflowId,
        args: [{ runId, datasetId: input.datasetId, config: runConfig, levels: [['caption']], afterSeq: status.afterSeq, untilSeq }],
      });
      Object.assign(totals, captioned.totals);
      timings.captionMs = Date.now() - t1;
    }
    let benchmark: BenchmarkResult | undefined;
    if (config.pipeline.benchmark) {
      enter('benchmarking');
      const t2 = Date.now();
      benchmark = await benchmarkActivities(trained ? 'gpu' : 'io').benchmarkRun({
        runId,
        datasetId: input.datasetId,
        config: runConfig,
        checkpoint: trained ? { id: trained.checkpointId, path: trained.checkpointPath } : undefined,
      });
      timings.benchmarkMs = Date.now() - t2;
    }

    const counts = countsOf(totals, enriched.images, status.afterSeq, untilSeq);
    if (trained) counts['train.step'] = trained.step;
    timings.wallMs = Date.now() - started;
    await db.recordRunEnd({ id: runId, status: 'completed', counts, timings });
    if (benchmark) status.reportPath = await db.writeRunReport({ runId });
    enter('completed');
    status.totals = totals;
    return {
      runId,
      datasetId: input.datasetId,
      images: enriched.images,
      afterSeq: status.afterSeq,
      untilSeq,
      totals,
      train: trained,
      benchmark,
      reportPath: status.reportPath,
    };
  } catch (error) {
    enter('failed');
    status.error = (error as Error).message;
    await db.recordRunEnd({ id: runId, status: 'failed', error: describeFailure(error), timings: { wallMs: Date.now() - started } });
    throw error;
  }
}

/** Flat counts for the runs row: images, and per stage processed/skipped/failed. */
export function countsOf(totals: Record<string, StageTotals>, images: number, afterSeq: number, untilSeq: number): Record<string, number> {
  const counts: Record<string, number> = { images, afterSeq, untilSeq };
  for (const [stage, t] of Object.entries(totals)) {
    counts[`${stage}.processed`] = t.processed;
    counts[`${stage}.skipped`] = t.skipped;
    counts[`${stage}.failed`] = t.failed;
  }
  return counts;
}

function describeFailure(error: unknown): string {
  // Child and activity failures wrap the root cause; the innermost message is the useful one.
  let e = error as { message?: string; cause?: unknown } | undefined;
  const parts: string[] = [];
  while (e && parts.length < 5) {
    if (e.message) parts.push(e.message);
    e = e.cause as typeof e;
  }
  return parts.join(': ');
}
