/** Runs (one per workflow), their checkpoints, metrics and reports. */
import { doublePrecision, index, integer, jsonb, pgTable, serial, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(), // Temporal workflow id
    kind: text('kind').notNull(), // pipeline | enrich | train | benchmark | ingest | scheduled
    datasetId: text('dataset_id'),
    parentId: text('parent_id'),
    config: jsonb('config').notNull(),
    status: text('status').notNull(), // running | completed | failed | cancelled
    counts: jsonb('counts').$type<Record<string, number>>().notNull().default({}),
    timings: jsonb('timings').$type<Record<string, number>>().notNull().default({}),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [index('runs_dataset_idx').on(t.datasetId, t.kind)],
);

export const checkpoints = pgTable(
  'checkpoints',
  {
    id: text('id').primaryKey(), // `${runId}:${step}`
    runId: text('run_id').notNull(),
    step: integer('step').notNull(),
    path: text('path').notNull(), // content-addressed folder under the artifacts dir
    sha256: text('sha256').notNull(),
    metrics: jsonb('metrics').$type<Record<string, number>>().notNull().default({}),
    exportPath: text('export_path'),
    exportSha256: text('export_sha256'),
    /** False once pruned by keep-last-N (the best is always kept). */
    kept: integer('kept').notNull().default(1),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('checkpoints_run_step_idx').on(t.runId, t.step)],
);

export const metrics = pgTable(
  'metrics',
  {
    id: serial('id').primaryKey(),
    runId: text('run_id').notNull(),
    split: text('split').notNull(), // e.g. "all", "test"
    name: text('name').notNull(), // e.g. "CIDEr-D", "R@1 i2t", "mean_words"
    captionSource: text('caption_source').notNull(), // original | fused | generated | ablation:<subset>
    model: text('model').notNull().default(''), // model that produced the captions or the scores
    value: doublePrecision('value').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('metrics_key_idx').on(t.runId, t.split, t.name, t.captionSource, t.model)],
);

export const reports = pgTable('reports', {
  id: serial('id').primaryKey(),
  runId: text('run_id').notNull(),
  path: text('path').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export type RunRow = typeof runs.$inferSelect;
export type CheckpointRow = typeof checkpoints.$inferSelect;
export type MetricRow = typeof metrics.$inferSelect;
