/**
 * Small io-queue activities the workflows use to plan work and record runs. Each is idempotent: a retry
 * after a crash writes the same rows again.
 */
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { ZodError } from 'zod';
import { configSchema, type FusecapConfig } from '../config/schema.ts';
import type { Db } from '../db/client.ts';
import { datasetExtent, finishRun, getDataset, listRuns, startRun } from '../db/queries/index.ts';
import { images } from '../db/schema/index.ts';
import { stageImplementation } from '../stages/implementations.ts';
import { planStageLevels } from '../stages/registry.ts';
import type { SeqRange } from './stage-batch.ts';

export interface ResolvedRunConfig {
  config: FusecapConfig;
  /** Per-image stages in dependency levels: each level's stages run concurrently. */
  levels: string[][];
}

export function createBookkeepingActivities(db: Db) {
  return {
    /** Validates a (possibly partial) config and plans the stage levels; bad config fails the run at once. */
    async resolveConfig({ config, datasetId }: { config?: unknown; datasetId: string }): Promise<ResolvedRunConfig> {
      let parsed: FusecapConfig;
      try {
        parsed = configSchema.parse(config ?? {});
      } catch (error) {
        const detail =
          error instanceof ZodError ? error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') : String(error);
        throw ApplicationFailure.nonRetryable(`invalid config: ${detail}`, 'InvalidConfig');
      }
      if (!(await getDataset(db, { id: datasetId }))) {
        throw ApplicationFailure.nonRetryable(`dataset "${datasetId}" does not exist: ingest it first (fusecap ingest)`, 'UnknownDataset');
      }
      let levels: string[][];
      try {
        levels = planStageLevels(parsed.pipeline.stages);
        for (const level of levels) for (const stage of level) await stageImplementation(stage);
      } catch (error) {
        throw ApplicationFailure.nonRetryable((error as Error).message, 'InvalidConfig');
      }
      return { config: parsed, levels };
    },

    async datasetWatermark({ datasetId }: { datasetId: string }) {
      return datasetExtent(db, { datasetId });
    },

    /**
     * Cuts (afterSeq, untilSeq] into consecutive ranges of at most batchSize images, at most maxBatches of
     * them. Ranges carry seq bounds, not ids, so workflow histories stay small whatever the dataset size.
     */
    async planBatches(input: { datasetId: string; afterSeq: number; untilSeq: number; batchSize: number; maxBatches: number }) {
      const rows = await db
        .select({ seq: images.seq })
        .from(images)
        .where(and(eq(images.datasetId, input.datasetId), gt(images.seq, input.afterSeq), lte(images.seq, input.untilSeq)))
        .orderBy(asc(images.seq))
        .limit(input.batchSize * input.maxBatches);
      const ranges: (SeqRange & { count: number })[] = [];
      let after = input.afterSeq;
      for (let i = 0; i < rows.length; i += input.batchSize) {
        const chunk = rows.slice(i, i + input.batchSize);
        const until = chunk[chunk.length - 1].seq;
        ranges.push({ afterSeq: after, untilSeq: until, count: chunk.length });
        after = until;
      }
      const [rest] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(images)
        .where(and(eq(images.datasetId, input.datasetId), gt(images.seq, after), lte(images.seq, input.untilSeq)));
      return { ranges, remaining: Number(rest?.n ?? 0) };
    },

    async countImagesInRange(input: { datasetId: string } & SeqRange) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(images)
        .where(and(eq(images.datasetId, input.datasetId), gt(images.seq, input.afterSeq), lte(images.seq, input.untilSeq)));
      return Number(row?.n ?? 0);
    },

    async recordRunStart(input: { id: string; kind: string; datasetId: string; parentId?: string | null; config: unknown }) {
      await startRun(db, input);
    },

    async recordRunEnd(input: {
      id: string;
      status: 'completed' | 'failed' | 'cancelled';
      counts?: Record<string, number>;
      timings?: Record<string, number>;
      error?: string | null;
    }) {
      await finishRun(db, input);
    },

    /** The seq up to which the latest completed scheduled run of this schedule enriched the dataset. */
    async lastScheduledWatermark({ datasetId, scheduleId }: { datasetId: string; scheduleId: string }) {
      const done = await listRuns(db, { datasetId, kind: 'scheduled' });
      let watermark = 0;
      for (const run of done) {
        const cfg = run.config as { scheduleId?: string };
        if (run.status === 'completed' && cfg.scheduleId === scheduleId) watermark = Math.max(watermark, run.counts.untilSeq ?? 0);
      }
      return watermark;
    },
  };
}
