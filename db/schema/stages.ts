/**
 * One row per (image, stage, model id, model version, params hash): the idempotency key of every stage.
 * Re-running a stage with the same model and params finds the row and does no model work; a new model
 * version writes new rows beside the old ones.
 */
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { images } from './datasets.ts';

export const stageResults = pgTable(
  'stage_results',
  {
    imageId: text('image_id')
      .notNull()
      .references(() => images.id, { onDelete: 'cascade' }),
    stage: text('stage').notNull(),
    modelId: text('model_id').notNull(),
    modelVersion: text('model_version').notNull(),
    paramsHash: text('params_hash').notNull(),
    params: jsonb('params').notNull(),
    /** The expert's output (experts/types.ts shapes); null when the image failed this stage. */
    output: jsonb('output'),
    errorCode: text('error_code'),
    error: text('error'),
    runId: text('run_id'),
    durationMs: integer('duration_ms').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.imageId, t.stage, t.modelId, t.modelVersion, t.paramsHash] }),
    index('stage_results_stage_idx').on(t.stage, t.modelId, t.modelVersion, t.paramsHash),
  ],
);

export type StageResultRow = typeof stageResults.$inferSelect;
export type NewStageResult = typeof stageResults.$inferInsert;
