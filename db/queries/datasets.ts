import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { captions, datasets, images, ingestIssues, type NewCaption, type NewImage } from '../schema/index.ts';

export async function upsertDataset(db: Db, input: { id: string; root: string; source: { kind: string; manifest: string } }) {
  await db
    .insert(datasets)
    .values(input)
    .onConflictDoUpdate({ target: datasets.id, set: { root: input.root, source: input.source } });
}

export async function getDataset(db: Db, { id }: { id: string }) {
  const [row] = await db.select().from(datasets).where(eq(datasets.id, id));
  return row ?? null;
}

/** Inserts images that are not there yet (by content); returns the ids of those actually added. */
export async function insertNewImages(db: Db, { rows }: { rows: NewImage[] }): Promise<string[]> {
  if (rows.length === 0) return [];
  const added = await db.insert(images).values(rows).onConflictDoNothing().returning({ id: images.id });
  return added.map((r) => r.id);
}

export async function insertOriginalCaptions(db: Db, { rows }: { rows: NewCaption[] }): Promise<number> {
  if (rows.length === 0) return 0;
  const added = await db.insert(captions).values(rows).onConflictDoNothing().returning({ id: captions.id });
  return added.length;
}

export async function recordIngestIssues(
  db: Db,
  { datasetId, issues }: { datasetId: string; issues: { location: string; file?: string; code: string; message: string }[] },
) {
  if (issues.length === 0) return;
  await db
    .insert(ingestIssues)
    .values(issues.map((i) => ({ datasetId, location: i.location, file: i.file ?? null, code: i.code, message: i.message })))
    .onConflictDoNothing();
}

export async function listIngestIssues(db: Db, { datasetId }: { datasetId: string }) {
  return db.select().from(ingestIssues).where(eq(ingestIssues.datasetId, datasetId)).orderBy(asc(ingestIssues.id));
}

/**
 * A page of image ids in insertion order (seq), after `afterSeq` and up to `untilSeq` inclusive.
 * Used to cut a dataset into batches without holding all ids in a workflow.
 */
export async function pageImageIds(
  db: Db,
  { datasetId, afterSeq, untilSeq, limit }: { datasetId: string; afterSeq: number; untilSeq?: number; limit: number },
): Promise<{ id: string; seq: number }[]> {
  const conditions = [eq(images.datasetId, datasetId), gt(images.seq, afterSeq)];
  if (untilSeq !== undefined) conditions.push(sql`${images.seq} <= ${untilSeq}`);
  return db
    .select({ id: images.id, seq: images.seq })
    .from(images)
    .where(and(...conditions))
    .orderBy(asc(images.seq))
    .limit(limit);
}

export async function datasetExtent(db: Db, { datasetId }: { datasetId: string }) {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int`, maxSeq: sql<number>`coalesce(max(${images.seq}), 0)::int` })
    .from(images)
    .where(eq(images.datasetId, datasetId));
  return { count: Number(row?.count ?? 0), maxSeq: Number(row?.maxSeq ?? 0) };
}

export async function getImages(db: Db, { ids }: { ids: string[] }) {
  if (ids.length === 0) return [];
  return db.select().from(images).where(inArray(images.id, ids));
}

export async function listImages(db: Db, { datasetId }: { datasetId: string }) {
  return db.select().from(images).where(eq(images.datasetId, datasetId)).orderBy(asc(images.seq));
}

export async function setProbedSize(db: Db, { id, format, width, height }: { id: string; format: string; width: number; height: number }) {
  await db.update(images).set({ format, width, height }).where(eq(images.id, id));
}
