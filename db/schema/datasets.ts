/**
 * Datasets, their images and captions. An image is identified by its content (sha256) within a dataset:
 * re-ingesting the same bytes under another name is a no-op, so "new images" means new content.
 */

import { bigint, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export interface ImageOrigin {
  kind: 'webdataset' | 'parquet';
  /** Shard file, absolute. */
  shard: string;
  /** Member key (WebDataset) or row number (Parquet) inside the shard. */
  key: string;
  /** The URL the image was downloaded from, when the shard says (img2dataset's `url`). */
  url?: string;
}

export const datasets = pgTable('datasets', {
  id: text('id').primaryKey(), // user-facing name, e.g. "sample"; also the Temporal search attribute value
  root: text('root').notNull(), // absolute folder that image paths are relative to
  source: jsonb('source').$type<{ kind: string; manifest: string }>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const images = pgTable(
  'images',
  {
    id: text('id').primaryKey(), // `${datasetId}:${sha256.slice(0, 24)}`: stable across re-ingests
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    sha256: text('sha256').notNull(),
    /**
     * Relative to datasets.root, never escaping it; or, for images that came out of a WebDataset or
     * Parquet shard, absolute inside fusecap's content-addressed store (`<state dir>/blobs/`).
     */
    path: text('path').notNull(),
    /** Where a shard image came from (shard file, member key, source URL); null for plain files. */
    origin: jsonb('origin').$type<ImageOrigin>(),
    bytes: bigint('bytes', { mode: 'number' }).notNull(),
    split: text('split'), // Karpathy split (train/val/test/restval) when the source has one
    /** Filled by the probe stage; null until then or when the image cannot be decoded. */
    format: text('format'),
    width: integer('width'),
    height: integer('height'),
    /** Monotonic per dataset: the scheduled enrichment processes images with seq > its watermark. */
    seq: serial('seq').notNull(),
    addedAt: timestamp('added_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('images_dataset_sha_idx').on(t.datasetId, t.sha256), index('images_dataset_seq_idx').on(t.datasetId, t.seq)],
);

export const captions = pgTable(
  'captions',
  {
    id: serial('id').primaryKey(),
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    source: text('source').$type<'original' | 'fused' | 'generated'>().notNull(),
    text: text('text').notNull(),
    /** Originals: position in the source; produced captions: 0. */
    ordinal: integer('ordinal').notNull().default(0),
    /** Producer of the caption; '' for originals. */
    modelId: text('model_id').notNull().default(''),
    modelVersion: text('model_version').notNull().default(''),
    paramsHash: text('params_hash').notNull().default(''),
    runId: text('run_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('captions_key_idx').on(t.imageId, t.source, t.modelId, t.modelVersion, t.paramsHash, t.ordinal),
    index('captions_source_idx').on(t.source, t.modelId),
  ],
);

/** Per-item problems found while ingesting (bad manifest lines, missing files, bad captions, duplicates). */
export const ingestIssues = pgTable(
  'ingest_issues',
  {
    id: serial('id').primaryKey(),
    datasetId: text('dataset_id')
      .notNull()
      .references(() => datasets.id, { onDelete: 'cascade' }),
    location: text('location').notNull(), // "captions.jsonl:17" or "annotations[3]"
    file: text('file'),
    code: text('code').notNull(),
    message: text('message').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('ingest_issues_key_idx').on(t.datasetId, t.location, t.code)],
);

export type Dataset = typeof datasets.$inferSelect;
export type NewDataset = typeof datasets.$inferInsert;
export type ImageRow = typeof images.$inferSelect;
export type NewImage = typeof images.$inferInsert;
export type CaptionRow = typeof captions.$inferSelect;
export type NewCaption = typeof captions.$inferInsert;
export type IngestIssue = typeof ingestIssues.$inferSelect;
