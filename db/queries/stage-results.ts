import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { images, stageResults, type NewStageResult } from '../schema/index.ts';

export interface StageKey {
  stage: string;
  modelId: string;
  modelVersion: string;
  paramsHash: string;
}

/** The columns of the idempotency key, less the image. */
function keyConditions(key: StageKey) {
  return [
    eq(stageResults.stage, key.stage),
    eq(stageResults.modelId, key.modelId),
    eq(stageResults.modelVersion, key.modelVersion),
    eq(stageResults.paramsHash, key.paramsHash),
  ];
}

/** Existing results for these images under exactly this key, by image id. */
export async function findStageResults(db: Db, { imageIds, key }: { imageIds: string[]; key: StageKey }) {
  const out = new Map<string, { output: unknown; errorCode: string | null; error: string | null }>();
  if (imageIds.length === 0) return out;
  const rows = await db
    .select({ imageId: stageResults.imageId, output: stageResults.output, errorCode: stageResults.errorCode, error: stageResults.error })
    .from(stageResults)
    .where(and(inArray(stageResults.imageId, imageIds), ...keyConditions(key)));
  for (const r of rows) out.set(r.imageId, { output: r.output, errorCode: r.errorCode, error: r.error });
  return out;
}

/**
 * Upsert keyed by (image, stage, model, version, params hash). A successful result replaces a recorded
 * error for the same key (a retry that worked), but an error never replaces a stored output.
 */
export async function upsertStageResults(db: Db, { rows }: { rows: NewStageResult[] }) {
  if (rows.length === 0) return;
  await db
    .insert(stageResults)
    .values(rows)
    .onConflictDoUpdate({
      target: [stageResults.imageId, stageResults.stage, stageResults.modelId, stageResults.modelVersion, stageResults.paramsHash],
      set: {
        output: sql`coalesce(${stageResults.output}, excluded.output)`,
        errorCode: sql`case when ${stageResults.output} is null then excluded.error_code else ${stageResults.errorCode} end`,
        error: sql`case when ${stageResults.output} is null then excluded.error else ${stageResults.error} end`,
        runId: sql`case when ${stageResults.output} is null then excluded.run_id else ${stageResults.runId} end`,
        durationMs: sql`case when ${stageResults.output} is null then excluded.duration_ms else ${stageResults.durationMs} end`,
      },
    });
}

/** All results of a stage over a dataset (any key when none given), newest key first per image. */
export async function datasetStageResults(db: Db, { datasetId, stage, key }: { datasetId: string; stage: string; key?: StageKey }) {
  const conditions = key
    ? [eq(images.datasetId, datasetId), ...keyConditions(key)]
    : [eq(images.datasetId, datasetId), eq(stageResults.stage, stage)];
  return db
    .select({
      imageId: stageResults.imageId,
      output: stageResults.output,
      errorCode: stageResults.errorCode,
      error: stageResults.error,
      modelId: stageResults.modelId,
      modelVersion: stageResults.modelVersion,
      paramsHash: stageResults.paramsHash,
      params: stageResults.params,
    })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId))
    .where(and(...conditions))
    .orderBy(images.seq);
}
