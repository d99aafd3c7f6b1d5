/**
 * The one activity every per-image stage runs through: load the batch's images → skip those that already
 * have a result under this stage's key → run the stage's implementation on the rest → upsert each result
 * as soon as it exists. A bad image becomes a recorded per-image error; only transient failures make the
 * activity retry, and a retry finds the finished images and skips them.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { resolve } from 'node:path';
import { configSchema, type FusecapConfig } from '../config/schema.ts';
import type { Db } from '../db/client.ts';
import {
  findStageResults,
  getDataset,
  getImages,
  originalCaptions,
  pageImageIds,
  setProbedSize,
  upsertProducedCaptions,
  upsertStageResults,
} from '../db/queries/index.ts';
import { stageImplementation } from '../stages/implementations.ts';
import { stageKeyOf } from '../stages/keys.ts';
import { prerequisites, stageSpec } from '../stages/registry.ts';
import { StageInputError, TransientStageError } from '../lib/errors.ts';
import type { StageImpl, StageImage } from '../stages/types.ts';

export interface SeqRange {
  /** Exclusive lower bound on images.seq. */
  afterSeq: number;
  /** Inclusive upper bound on images.seq. */
  untilSeq: number;
}

export interface StageBatchInput {
  runId: string;
  datasetId: string;
  stage: string;
  range: SeqRange;
  config: FusecapConfig;
}

export interface StageBatchResult {
  stage: string;
  model: string;
  images: number;
  /** Already had a result under this key: no model work done. */
  skipped: number;
  processed: number;
  failed: number;
  errorsByCode: Record<string, number>;
  /** Milliseconds spent inside the stage's implementation (model work). */
  workMs: number;
  /** Milliseconds the whole activity took (work + database reads and writes), for the overhead figure. */
  activityMs: number;
}

/** Per-process "loaded" marks, so models load once per worker and not once per batch. */
const loaded = new Map<string, Promise<void>>();

function ensureLoaded(impl: StageImpl, config: FusecapConfig): Promise<void> {
  const key = `${impl.name}:${stageKeyOf(impl, config).paramsHash}:${impl.describe(config).model.id}`;
  let done = loaded.get(key);
  if (!done) {
    done = (impl.load?.(config) ?? Promise.resolve()).catch((error: unknown) => {
      loaded.delete(key);
      // A missing or corrupt model will not get better by retrying: fail the batch for good, with the message.
      throw ApplicationFailure.nonRetryable(`stage ${impl.name} cannot load its model: ${(error as Error).message}`, 'ModelLoadError');
    });
    loaded.set(key, done);
  }
  return done;
}

export function createStageBatchActivity(db: Db) {
  return async function runStageBatch(input: StageBatchInput): Promise<StageBatchResult> {
    const activityStarted = performance.now();
    const result = await runBatch(input);
    result.activityMs = performance.now() - activityStarted;
    return result;
  };

  async function runBatch(input: StageBatchInput): Promise<StageBatchResult> {
    const config = configSchema.parse(input.config);
    const impl = await stageImplementation(input.stage);
    const key = stageKeyOf(impl, config);
    const ids = (await pageImageIds(db, { datasetId: input.datasetId, ...input.range, limit: 100_000 })).map((r) => r.id);
    const result: StageBatchResult = {
      stage: input.stage,
      model: `${key.modelId}@${key.modelVersion}`,
      images: ids.length,
      skipped: 0,
      processed: 0,
      failed: 0,
      errorsByCode: {},
      workMs: 0,
      activityMs: 0,
    };
    const existing = await findStageResults(db, { imageIds: ids, key });
    const todo = ids.filter((id) => !existing.has(id));
    result.skipped = ids.length - todo.length;
    if (todo.length === 0) return result;

    const dataset = await getDataset(db, { id: input.datasetId });
    if (!dataset) throw ApplicationFailure.nonRetryable(`dataset ${input.datasetId} does not exist`, 'UnknownDataset');
    const [rows, captions, upstream] = await Promise.all([
      getImages(db, { ids: todo }),
      originalCaptions(db, { imageIds: todo }),
      upstreamOutputs(db, input.stage, todo, config),
    ]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const transient: string[] = [];
    const context = Context.current();
    // Beats while the event loop is free (model loading, awaiting a remote fuser); the per-image beat below
    // covers CPU-bound experts. Together they let a short heartbeat timeout find a dead worker quickly.
    let done = 0;
    const ticker = setInterval(() => context.heartbeat({ stage: input.stage, done, of: todo.length }), 5_000);
    try {
      await ensureLoaded(impl, config);
      await runImages();
    } finally {
      clearInterval(ticker);
    }
    if (transient.length > 0) {
      // Finished images are stored; the retry re-runs only these.
      throw ApplicationFailure.retryable(
        `${transient.length} image(s) hit transient errors: ${transient.slice(0, 3).join('; ')}`,
        'TransientStageError',
      );
    }
    return result;

    async function runImages(): Promise<void> {
      const record = async (imageId: string, output: unknown, error: { code: string; message: string } | null, durationMs: number) => {
        await upsertStageResults(db, {
          rows: [
            {
              imageId,
              stage: key.stage,
              modelId: key.modelId,
              modelVersion: key.modelVersion,
              paramsHash: key.paramsHash,
              params: key.params,
              output: output ?? null,
              errorCode: error?.code ?? null,
              error: error?.message ?? null,
              runId: input.runId,
              durationMs: Math.round(durationMs),
            },
          ],
        });
        if (error) {
          result.failed++;
          result.errorsByCode[error.code] = (result.errorsByCode[error.code] ?? 0) + 1;
        } else result.processed++;
      };

      for (const [index, imageId] of todo.entries()) {
        done = index;
        context.heartbeat({ stage: input.stage, done: index, of: todo.length });
        if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('cancelled');
        const row = byId.get(imageId)!;
        const missingUpstream = upstream.missing.get(imageId);
        if (missingUpstream) {
          await record(imageId, null, { code: 'upstream_failed', message: missingUpstream }, 0);
          continue;
        }
        const image: StageImage = {
          id: row.id,
          datasetId: row.datasetId,
          path: resolve(dataset.root, row.path),
          sha256: row.sha256,
          width: row.width ?? 0,
          height: row.height ?? 0,
          format: row.format,
        };
        const started = performance.now();
        try {
          const output = await impl.run(
            {
              image,
              upstream: upstream.outputs.get(imageId) ?? {},
              captions: captions.get(imageId) ?? [],
              signal: context.cancellationSignal,
            },
            config,
          );
          const elapsed = performance.now() - started;
          result.workMs += elapsed;
          await record(imageId, output, null, elapsed);
          const facts = impl.imageFacts?.(output);
          if (facts) await setProbedSize(db, { id: imageId, ...facts });
          const text = impl.captionOf?.(output);
          if (text) {
            await upsertProducedCaptions(db, {
              rows: [
                {
                  imageId,
                  source: impl.captionSource ?? (impl.name === 'fuse' ? 'fused' : 'generated'),
                  text,
                  modelId: key.modelId,
                  modelVersion: key.modelVersion,
                  paramsHash: key.paramsHash,
                  runId: input.runId,
                },
              ],
            });
          }
        } catch (error) {
          const elapsed = performance.now() - started;
          result.workMs += elapsed;
          if (error instanceof TransientStageError) {
            transient.push(`${imageId}: ${error.message}`);
            continue;
          }
          if (context.cancellationSignal.aborted) throw error;
          // Anything else is this image's problem (bad input, or an expert that cannot handle it): record it
          // with a stable code and go on with the batch.
          const code = error instanceof StageInputError ? error.code : 'stage_error';
          await record(imageId, null, { code, message: (error as Error).message ?? String(error) }, elapsed);
        }
      }
    }
  }
}

/** Outputs of the stage's dependencies under the current config, and which images lack one (with why). */
async function upstreamOutputs(db: Db, stage: string, imageIds: string[], config: FusecapConfig) {
  const outputs = new Map<string, Record<string, unknown>>();
  const missing = new Map<string, string>();
  const spec = stageSpec(stage);
  for (const dep of prerequisites(spec)) {
    const required = spec.dependsOn.includes(dep);
    const depImpl = await stageImplementation(dep);
    const depKey = stageKeyOf(depImpl, config);
    const found = await findStageResults(db, { imageIds, key: depKey });
    for (const id of imageIds) {
      const r = found.get(id);
      if (r && r.output !== null) {
        (outputs.get(id) ?? outputs.set(id, {}).get(id)!)[dep] = r.output;
      } else if (required && !missing.has(id)) {
        missing.set(id, r ? `${dep} failed: ${r.errorCode}: ${r.error}` : `${dep} has no result for this image (run it first)`);
      }
    }
  }
  return { outputs, missing };
}
