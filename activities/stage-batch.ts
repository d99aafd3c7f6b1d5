/**
 * The one activity every per-image stage runs through: load the batch's images → skip those that already
 * have a result under this stage's key → run the stage's implementation on the rest → upsert each result
 * as soon as it exists. A bad image (StageInputError) becomes a recorded per-image error. Anything else
 * (a transient server error, a wrong key, a model thread that died, a bug) is not the image's fault: it
 * is never stored, the activity fails and retries under the retry policy, and the retry finds the
 * finished images and skips them.
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
import { errorMayPass } from '../lib/error-codes.ts';
import { realPathInside } from '../lib/dataset-paths.ts';
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
  /** Re-run images whose stored error may pass now (lib/error-codes.ts): `fusecap resume`, `run --retry-errors`. */
  retryErrors?: boolean;
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

/** After this many failures in a row that are not the image's fault the batch stops: the rest would fail alike. */
const MAX_FAILURES_IN_A_ROW = 3;

/** Loads the stage's model; the stage's ModelSlot keeps it (and notices a dead one), so this is cheap after the first. */
async function ensureLoaded(impl: StageImpl, config: FusecapConfig): Promise<void> {
  try {
    await impl.load?.(config);
  } catch (error) {
    // A missing or corrupt model will not get better by retrying: fail the batch for good, with the message.
    throw ApplicationFailure.nonRetryable(`stage ${impl.name} cannot load its model: ${(error as Error).message}`, 'ModelLoadError');
  }
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
    const settled = (id: string) => {
      const row = existing.get(id);
      return row !== undefined && (row.output !== null || !input.retryErrors || !errorMayPass(row.errorCode));
    };
    const todo = ids.filter((id) => !settled(id));
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
    const failures: string[] = [];
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
    if (failures.length > 0) {
      // Not the images' fault (wrong key, dead model thread, bug): nothing was stored for them; the retry
      // re-runs them, and when retries run out the run fails and `fusecap resume` picks them up later.
      throw ApplicationFailure.retryable(
        `stage ${input.stage}: ${failures.length} image(s) failed for a reason that is not the image's fault: ${failures.slice(0, 3).join('; ')}`,
        'StageError',
      );
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

      let failuresInARow = 0;
      const realRoot = resolve(dataset.root);
      // Lanes take the next image as each finishes; one lane is the old one-after-another loop.
      const lanes = Math.max(1, Math.min(todo.length, Math.floor(impl.concurrency?.(config) ?? 1)));
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < todo.length && failuresInARow < MAX_FAILURES_IN_A_ROW) {
          const imageId = todo[next++];
          context.heartbeat({ stage: input.stage, done, of: todo.length });
          if (context.cancellationSignal.aborted) throw context.cancellationSignal.reason ?? new Error('cancelled');
          await runImage(imageId);
          done++;
        }
      };
      await Promise.all(Array.from({ length: lanes }, lane));

      async function runImage(imageId: string): Promise<void> {
        const row = byId.get(imageId)!;
        const missingUpstream = upstream.missing.get(imageId);
        if (missingUpstream) {
          await record(imageId, null, { code: 'upstream_failed', message: missingUpstream }, 0);
          return;
        }
        // Checked again here, not only at ingest: a link inside the root may have been pointed elsewhere since.
        // A file that is gone keeps its named path: the stages that open it report missing_file themselves.
        const path = await realPathInside(realRoot, row.path).catch(() => resolve(realRoot, row.path));
        if (!path) {
          await record(
            imageId,
            null,
            { code: 'path_escapes_root', message: `${row.path} now leads outside the dataset root ${realRoot}` },
            0,
          );
          return;
        }
        const image: StageImage = {
          id: row.id,
          datasetId: row.datasetId,
          path,
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
          failuresInARow = 0;
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
          if (context.cancellationSignal.aborted) throw error;
          if (error instanceof StageInputError) {
            // This image's problem: recorded with its code, for good; the batch goes on.
            failuresInARow = 0;
            await record(imageId, null, { code: error.code, message: error.message }, elapsed);
          } else if (error instanceof TransientStageError) {
            transient.push(`${imageId}: ${error.message}`);
          } else {
            failuresInARow++;
            failures.push(`${imageId}: ${(error as Error).message ?? String(error)}`);
          }
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
