/**
 * scheduledEnrichment: what a Temporal Schedule starts. It enriches only the images added since the last
 * completed run of the same schedule (images.seq above that run's untilSeq), as a fuseCapPipeline child of
 * kind "scheduled". With nothing new it finishes at once.
 */
import { executeChild, workflowInfo } from '@temporalio/workflow';
import type { FusecapConfigInput } from '../config/schema.ts';
import { bookkeeping } from './proxies.ts';
import { fuseCapPipeline, type PipelineResult } from './pipeline.ts';

export interface ScheduledInput {
  datasetId: string;
  scheduleId: string;
  config?: FusecapConfigInput;
}

export async function scheduledEnrichment(
  input: ScheduledInput,
): Promise<PipelineResult | { datasetId: string; nothingNew: true; watermark: number }> {
  const db = bookkeeping();
  const watermark = await db.lastScheduledWatermark({ datasetId: input.datasetId, scheduleId: input.scheduleId });
  const { maxSeq } = await db.datasetWatermark({ datasetId: input.datasetId });
  if (maxSeq <= watermark) return { datasetId: input.datasetId, nothingNew: true, watermark };
  return executeChild(fuseCapPipeline, {
    workflowId: `${workflowInfo().workflowId}/pipeline`,
    args: [
      {
        datasetId: input.datasetId,
        config: input.config,
        afterSeq: watermark,
        untilSeq: maxSeq,
        kind: 'scheduled',
        scheduleId: input.scheduleId,
      },
    ],
  });
}
