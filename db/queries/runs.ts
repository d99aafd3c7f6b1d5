import { and, asc, desc, eq, sql } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { checkpoints, metrics, reports, runs } from '../schema/index.ts';

export async function startRun(
  db: Db,
  input: { id: string; kind: string; datasetId: string | null; parentId?: string | null; config: unknown },
) {
  // A retried or resumed workflow keeps its row (and its counts): only the status goes back to running.
  await db
    .insert(runs)
    .values({ ...input, parentId: input.parentId ?? null, status: 'running' })
    .onConflictDoUpdate({ target: runs.id, set: { status: 'running', error: null, finishedAt: null, config: input.config } });
}

export async function finishRun(
  db: Db,
  input: {
    id: string;
    status: 'completed' | 'failed';
    counts?: Record<string, number>;
    timings?: Record<string, number>;
    error?: string | null;
  },
) {
  await db
    .update(runs)
    .set({
      status: input.status,
      ...(input.counts ? { counts: input.counts } : {}),
      ...(input.timings ? { timings: input.timings } : {}),
      error: input.error ?? null,
      finishedAt: new Date(),
    })
    .where(eq(runs.id, input.id));
}

export async function getRun(db: Db, { id }: { id: string }) {
  const [row] = await db.select().from(runs).where(eq(runs.id, id));
  return row ?? null;
}

export async function listRuns(db: Db, { datasetId, kind }: { datasetId?: string; kind?: string } = {}) {
  const conditions = [];
  if (datasetId) conditions.push(eq(runs.datasetId, datasetId));
  if (kind) conditions.push(eq(runs.kind, kind));
  return db
    .select()
    .from(runs)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(runs.startedAt));
}

export async function upsertCheckpoint(
  db: Db,
  input: { runId: string; step: number; path: string; sha256: string; metrics: Record<string, number> },
) {
  const id = `${input.runId}:${input.step}`;
  await db
    .insert(checkpoints)
    .values({ id, ...input })
    .onConflictDoUpdate({ target: checkpoints.id, set: { path: input.path, sha256: input.sha256, metrics: input.metrics, kept: 1 } });
  return id;
}

export async function setCheckpointExport(
  db: Db,
  { id, exportPath, exportSha256 }: { id: string; exportPath: string; exportSha256: string },
) {
  await db.update(checkpoints).set({ exportPath, exportSha256 }).where(eq(checkpoints.id, id));
}

export async function listCheckpoints(db: Db, { runId, keptOnly = true }: { runId: string; keptOnly?: boolean }) {
  return db
    .select()
    .from(checkpoints)
    .where(keptOnly ? and(eq(checkpoints.runId, runId), eq(checkpoints.kept, 1)) : eq(checkpoints.runId, runId))
    .orderBy(asc(checkpoints.step));
}

export async function markCheckpointsPruned(db: Db, { ids }: { ids: string[] }) {
  for (const id of ids) await db.update(checkpoints).set({ kept: 0 }).where(eq(checkpoints.id, id));
}

export interface MetricInput {
  runId: string;
  split: string;
  name: string;
  captionSource: string;
  model?: string;
  value: number;
}

export async function upsertMetrics(db: Db, { rows }: { rows: MetricInput[] }) {
  if (rows.length === 0) return;
  await db
    .insert(metrics)
    .values(rows.map((r) => ({ ...r, model: r.model ?? '' })))
    .onConflictDoUpdate({
      target: [metrics.runId, metrics.split, metrics.name, metrics.captionSource, metrics.model],
      set: { value: sql`excluded.value` },
    });
}

export async function listMetrics(db: Db, { runId }: { runId: string }) {
  return db.select().from(metrics).where(eq(metrics.runId, runId)).orderBy(asc(metrics.id));
}

export async function recordReport(db: Db, { runId, path }: { runId: string; path: string }) {
  await db.insert(reports).values({ runId, path });
}
