/**
 * Reading a dataset out: pages of images by seq window, each with the captions and stage results of just
 * those images. Nothing here loads a whole table: the export streams page after page, so its memory is
 * bounded by the page size whatever the dataset size.
 */
import { and, asc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { captions, images, runs, stageResults, type CaptionRow, type ImageRow } from '../schema/index.ts';

/** A caption as the export reads it (no timestamps: the export writes no clock). */
export interface ExportCaption {
  id: number;
  source: CaptionRow['source'];
  text: string;
  ordinal: number;
  modelId: string;
  modelVersion: string;
  paramsHash: string;
  runId: string | null;
}

/** A stage output as the export reads it; a page's outputs per image come in creation order. */
export interface ExportStageOutput {
  stage: string;
  modelId: string;
  modelVersion: string;
  paramsHash: string;
  output: unknown;
}

export type ExportImage = Pick<
  ImageRow,
  'seq' | 'id' | 'datasetId' | 'sha256' | 'path' | 'origin' | 'bytes' | 'format' | 'width' | 'height' | 'split'
> & {
  captions: ExportCaption[];
  stages: ExportStageOutput[];
};

export interface ExportPage {
  images: ExportImage[];
  /** The seq to read after next; null when the dataset has no image past `afterSeq`. */
  nextAfterSeq: number | null;
}

/**
 * One page of a dataset for export: the images with seq in a window of `window` seqs starting at the
 * dataset's first image past `afterSeq`, each with its captions (originals and `captionSource`) and its
 * outputs of `stages`, in one query that returns the whole page as one JSON text.
 *
 * Why this shape (bench:io): PGlite, the default database, costs per row and per field it hands over, and
 * never analyzes tables (no autovacuum), so the planner works with empty statistics.
 * - The window bounds seq on both sides: a page reads at most `window` index entries whatever the plan;
 *   `seq > x ORDER BY seq LIMIT n` got a bitmap scan plus sort of every later image, per page (quadratic).
 *   The window starts at the next existing seq (min over the index), so gaps between datasets cost nothing.
 * - Captions and stage outputs come as correlated subqueries (an index lookup per image), aggregated with
 *   the image into one json_agg: one field per page to parse instead of ~50 per image. Arrays, not
 *   objects, keep the text small. Captions need no order here (the record picks by ordinal / id); expert
 *   outputs come in creation order, which picks an expert's newest output.
 * With a `split`, the window still walks every seq of the dataset and the split filters inside it, so a
 * rare split costs a linear scan, not a quadratic one.
 */
export async function exportPage(
  db: Db,
  {
    datasetId,
    afterSeq,
    window,
    split,
    captionSource,
    stages,
  }: { datasetId: string; afterSeq: number; window: number; split?: string; captionSource: string; stages: string[] },
): Promise<ExportPage> {
  const splitCondition = split === undefined ? sql`` : sql` AND i.split = ${split}`;
  // Creation order matters only for experts (the newest output wins); a fuse output is matched by its
  // producer, unique per image, and sorting per image costs a sort node per image.
  const stageOrder = stages.some((stage) => stage !== 'fuse')
    ? sql` ORDER BY s.created_at, s.stage, s.model_id, s.model_version, s.params_hash`
    : sql``;
  const stageColumn = stages.length
    ? sql`(SELECT json_agg(json_build_array(s.stage, s.model_id, s.model_version, s.params_hash, s.output)${stageOrder})
        FROM stage_results s
        WHERE s.image_id = i.id AND s.output IS NOT NULL AND s.stage IN (${sql.join(
          stages.map((stage) => sql`${stage}`),
          sql`, `,
        )}))`
    : sql`NULL`;
  const query = sql`
    SELECT w.start AS start, (
      SELECT json_agg(json_build_array(
        i.seq, i.id, i.dataset_id, i.sha256, i.path, i.origin, i.bytes, i.format, i.width, i.height, i.split,
        (SELECT json_agg(json_build_array(c.id, c.source, c.text, c.ordinal, c.model_id, c.model_version, c.params_hash, c.run_id))
          FROM captions c WHERE c.image_id = i.id AND c.source IN ('original', ${captionSource})),
        ${stageColumn}
      ) ORDER BY i.seq)::text
      FROM images i
      WHERE i.dataset_id = ${datasetId} AND i.seq >= w.start AND i.seq < w.start + ${window}::int${splitCondition}
    ) AS page
    FROM (SELECT min(seq) AS start FROM images WHERE dataset_id = ${datasetId} AND seq > ${afterSeq}::int) w`;
  // Both drivers return `{ rows }`; the columns are an int and a text, which both parse the same way.
  const result = (await db.execute(query)) as unknown as { rows: { start: number | null; page: string | null }[] };
  const row = result.rows[0];
  if (!row || row.start === null) return { images: [], nextAfterSeq: null };
  const raw = row.page === null ? [] : (JSON.parse(row.page) as unknown[][]);
  return { images: raw.map(toExportImage), nextAfterSeq: Number(row.start) + window - 1 };
}

function toExportImage(r: unknown[]): ExportImage {
  const caps = (r[11] as unknown[][] | null) ?? [];
  const outs = (r[12] as unknown[][] | null) ?? [];
  return {
    seq: r[0] as number,
    id: r[1] as string,
    datasetId: r[2] as string,
    sha256: r[3] as string,
    path: r[4] as string,
    origin: r[5] as ImageRow['origin'],
    bytes: r[6] as number,
    format: r[7] as string | null,
    width: r[8] as number | null,
    height: r[9] as number | null,
    split: r[10] as string | null,
    captions: caps.map((c) => ({
      id: c[0] as number,
      source: c[1] as ExportCaption['source'],
      text: c[2] as string,
      ordinal: c[3] as number,
      modelId: c[4] as string,
      modelVersion: c[5] as string,
      paramsHash: c[6] as string,
      runId: c[7] as string | null,
    })),
    stages: outs.map((s) => ({
      stage: s[0] as string,
      modelId: s[1] as string,
      modelVersion: s[2] as string,
      paramsHash: s[3] as string,
      output: s[4],
    })),
  };
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
