import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { captions, images } from '../schema/index.ts';

export interface ProducedCaption {
  imageId: string;
  source: 'fused' | 'generated';
  text: string;
  modelId: string;
  modelVersion: string;
  paramsHash: string;
  runId: string | null;
}

/** Original captions per image id, in source order. */
export async function originalCaptions(db: Db, { imageIds }: { imageIds: string[] }): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (imageIds.length === 0) return out;
  const rows = await db
    .select({ imageId: captions.imageId, text: captions.text })
    .from(captions)
    .where(and(inArray(captions.imageId, imageIds), eq(captions.source, 'original')))
    .orderBy(asc(captions.imageId), asc(captions.ordinal));
  for (const r of rows) (out.get(r.imageId) ?? out.set(r.imageId, []).get(r.imageId)!).push(r.text);
  return out;
}

/** Keyed like stage results: the same producer writing again replaces its text, never duplicates it. */
export async function upsertProducedCaptions(db: Db, { rows }: { rows: ProducedCaption[] }) {
  if (rows.length === 0) return;
  await db
    .insert(captions)
    .values(rows.map((r) => ({ ...r, ordinal: 0 })))
    .onConflictDoUpdate({
      target: [captions.imageId, captions.source, captions.modelId, captions.modelVersion, captions.paramsHash, captions.ordinal],
      set: { text: sql`excluded.text`, runId: sql`excluded.run_id` },
    });
}

/** Every caption of a dataset for one source (and producer, when given), joined with its image. */
export async function datasetCaptions(
  db: Db,
  {
    datasetId,
    source,
    modelId,
    paramsHash,
  }: { datasetId: string; source: 'original' | 'fused' | 'generated'; modelId?: string; paramsHash?: string },
) {
  const conditions = [eq(images.datasetId, datasetId), eq(captions.source, source)];
  if (modelId !== undefined) conditions.push(eq(captions.modelId, modelId));
  if (paramsHash !== undefined) conditions.push(eq(captions.paramsHash, paramsHash));
  return db
    .select({
      imageId: captions.imageId,
      text: captions.text,
      ordinal: captions.ordinal,
      modelId: captions.modelId,
      modelVersion: captions.modelVersion,
      paramsHash: captions.paramsHash,
      path: images.path,
      split: images.split,
    })
    .from(captions)
    .innerJoin(images, eq(images.id, captions.imageId))
    .where(and(...conditions))
    .orderBy(asc(images.seq), asc(captions.ordinal));
}
