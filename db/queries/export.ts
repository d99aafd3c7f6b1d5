/**
 * Reading a dataset out: keyset pages of images (by seq) and, per page, the captions and stage results of
 * just those images. Nothing here loads a whole table: the export streams page after page, so its memory
 * is bounded by the page size whatever the dataset size.
 */
import { and, asc, eq, gt, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { captions, images, runs, stageResults } from '../schema/index.ts';

/** One page of a dataset's images in seq order, after `afterSeq` (keyset pagination: no OFFSET). */
export async function pageDatasetImages(
  db: Db,
  { datasetId, afterSeq, limit, split }: { datasetId: string; afterSeq: number; limit: number; split?: string },
) {
  const conditions = [eq(images.datasetId, datasetId), gt(images.seq, afterSeq)];
  if (split !== undefined) conditions.push(eq(images.split, split));
  return db
    .select()
    .from(images)
    .where(and(...conditions))
    .orderBy(asc(images.seq))
    .limit(limit);
}

/**
 * Conditions for "the images of one page": a seq range of a dataset (the page's keyset bounds) instead of
 * a list of ids, so the page's captions and stage results come by index range with two parameters.
 */
function seqRange({ datasetId, afterSeq, untilSeq, split }: SeqRange) {
  const conditions = [eq(images.datasetId, datasetId), gt(images.seq, afterSeq), sql`${images.seq} <= ${untilSeq}`];
  if (split !== undefined) conditions.push(eq(images.split, split));
  return conditions;
}

export interface SeqRange {
  datasetId: string;
  afterSeq: number;
  untilSeq: number;
  split?: string;
}

/** Captions of the images with seq in (afterSeq, untilSeq], ordered by image, source, ordinal, insertion. */
export async function captionsInSeqRange(db: Db, range: SeqRange) {
  const rows = await db
    .select({ caption: captions })
    .from(captions)
    .innerJoin(images, eq(images.id, captions.imageId))
    .where(and(...seqRange(range)))
    .orderBy(asc(captions.imageId), asc(captions.source), asc(captions.ordinal), asc(captions.id));
  return rows.map((r) => r.caption);
}

/** Stage outputs (no error rows) of the images with seq in (afterSeq, untilSeq] for these stages. */
export async function stageOutputsInSeqRange(db: Db, range: SeqRange & { stages: string[] }) {
  const rows = await db
    .select({ result: stageResults })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId))
    .where(and(...seqRange(range), inArray(stageResults.stage, range.stages), isNotNull(stageResults.output)))
    .orderBy(
      asc(stageResults.imageId),
      asc(stageResults.stage),
      asc(stageResults.createdAt),
      asc(stageResults.modelId),
      asc(stageResults.modelVersion),
      asc(stageResults.paramsHash),
    );
  return rows.map((r) => r.result);
}

/** Every caption of these images (all sources), in a stable order: image, source, ordinal, insertion. */
export async function captionsOfImages(db: Db, { imageIds }: { imageIds: string[] }) {
  if (imageIds.length === 0) return [];
  return db
    .select()
    .from(captions)
    .where(inArray(captions.imageId, imageIds))
    .orderBy(asc(captions.imageId), asc(captions.source), asc(captions.ordinal), asc(captions.id));
}

/**
 * Stage results of these images for the given stages. `withErrors` false returns outputs only (what an
 * export needs); true returns error rows too (what `fusecap show` needs).
 */
export async function stageResultsOfImages(
  db: Db,
  { imageIds, stages, withErrors = false }: { imageIds: string[]; stages?: string[]; withErrors?: boolean },
) {
  if (imageIds.length === 0) return [];
  const conditions = [inArray(stageResults.imageId, imageIds)];
  if (stages) conditions.push(inArray(stageResults.stage, stages));
  if (!withErrors) conditions.push(isNotNull(stageResults.output));
  return db
    .select()
    .from(stageResults)
    .where(and(...conditions))
    .orderBy(
      asc(stageResults.imageId),
      asc(stageResults.stage),
      asc(stageResults.createdAt),
      asc(stageResults.modelId),
      asc(stageResults.modelVersion),
      asc(stageResults.paramsHash),
    );
}

/** Counts per caption source and producer over a dataset, for the dataset card. */
export async function captionCounts(db: Db, { datasetId }: { datasetId: string }) {
  const rows = await db
    .select({
      source: captions.source,
      modelId: captions.modelId,
      modelVersion: captions.modelVersion,
      count: sql<number>`count(*)::int`,
    })
    .from(captions)
    .innerJoin(images, eq(images.id, captions.imageId))
    .where(eq(images.datasetId, datasetId))
    .groupBy(captions.source, captions.modelId, captions.modelVersion)
    .orderBy(asc(captions.source), asc(captions.modelId), asc(captions.modelVersion));
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

/** Images of a dataset per split (null = no split), for the dataset card. */
export async function splitCounts(db: Db, { datasetId }: { datasetId: string }) {
  const rows = await db
    .select({ split: images.split, count: sql<number>`count(*)::int` })
    .from(images)
    .where(eq(images.datasetId, datasetId))
    .groupBy(images.split)
    .orderBy(asc(images.split));
  return rows.map((r) => ({ split: r.split, count: Number(r.count) }));
}

/** Runs by id (for provenance lines); unknown ids are simply absent. */
export async function runsById(db: Db, { ids }: { ids: string[] }) {
  if (ids.length === 0) return [];
  return db.select().from(runs).where(inArray(runs.id, ids)).orderBy(asc(runs.id));
}

/**
 * Images matching what a user typed: an image id (`sample:0123…`), a sha256 or its prefix (≥ 8 hex), or a
 * path as stored (relative to the dataset root, or absolute for shard images), optionally in one dataset.
 */
export async function findImagesByRef(db: Db, { ref, datasetId, limit = 20 }: { ref: string; datasetId?: string; limit?: number }) {
  const matches = [eq(images.id, ref), eq(images.path, ref)];
  if (/^[0-9a-f]{8,64}$/i.test(ref)) matches.push(sql`${images.sha256} like ${ref.toLowerCase() + '%'}`);
  const conditions = [or(...matches)!];
  if (datasetId !== undefined) conditions.push(eq(images.datasetId, datasetId));
  return db
    .select()
    .from(images)
    .where(and(...conditions))
    .orderBy(asc(images.datasetId), asc(images.seq))
    .limit(limit);
}
