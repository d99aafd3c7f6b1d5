/**
 * train: supervises the Python trainer (captioner/train-process.ts) as a durable activity on the gpu
 * queue. It exports the training manifest from PostgreSQL, heartbeats the latest step, records every
 * checkpoint (hard-linked into artifacts/checkpoints/<sha256>/ and a `checkpoints` row), keeps the last N
 * and the best, and on a retry resumes from the latest recorded checkpoint rather than step 0. At the end
 * it exports ONNX for the Node captioner and records the export with the checkpoint.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  copyFileSync,
  existsSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { configSchema, type FusecapConfig } from '../config/schema.ts';
import type { Db } from '../db/client.ts';
import {
  datasetCaptions,
  getDataset,
  listCheckpoints,
  markCheckpointsPruned,
  setCheckpointExport,
  upsertCheckpoint,
} from '../db/queries/index.ts';
import { runTrainer, trainerArgs, TrainerProcessError, type TrainerEvent } from '../captioner/train-process.ts';
import { pythonOf } from '../captioner/trainer-client.ts';
import { REPO_ROOT, safeFileName } from '../lib/paths.ts';
import { asUnwritable, UnwritableError } from '../lib/unwritable.ts';
import { stageKeyByName } from '../stages/keys.ts';

export interface TrainInput {
  runId: string;
  datasetId: string;
  config: FusecapConfig;
}

export interface TrainResult {
  checkpointId: string;
  checkpointPath: string;
  step: number;
  exportDir: string;
  exportSha256: string;
  pairs: number;
  captions: 'original' | 'fused';
  resumedFromStep: number | null;
  /** First step this attempt trained (resumedFromStep + 1 after a resume); null when nothing was left to train. */
  firstStep: number | null;
  finalLoss: number | null;
}

/** Writes the trainer's JSONL manifest ({image_id, path, caption}) from the captions the config picks. */
export async function exportTrainingManifest(db: Db, input: TrainInput, file: string): Promise<number> {
  const dataset = await getDataset(db, { id: input.datasetId });
  if (!dataset) throw ApplicationFailure.nonRetryable(`dataset ${input.datasetId} does not exist`, 'UnknownDataset');
  let rows;
  if (input.config.train.captions === 'fused') {
    const key = await stageKeyByName('fuse', input.config);
    rows = await datasetCaptions(db, { datasetId: input.datasetId, source: 'fused', modelId: key.modelId, paramsHash: key.paramsHash });
  } else {
    rows = await datasetCaptions(db, { datasetId: input.datasetId, source: 'original' });
  }
  if (rows.length === 0) {
    throw ApplicationFailure.nonRetryable(
      `no ${input.config.train.captions} captions in dataset ${input.datasetId} to train on` +
        (input.config.train.captions === 'fused' ? ' (run the fuse stage first, with the same fuse config)' : ''),
      'InvalidTrainConfig',
    );
  }
  const lines = rows.map((r) => JSON.stringify({ image_id: r.imageId, path: resolve(dataset.root, r.path), caption: r.text }));
  writeFileSync(file, lines.join('\n') + '\n');
  return rows.length;
}

/** Hard-links a checkpoint folder's files into artifacts/checkpoints/<sha256>/ (cheap; survives the trainer's own pruning). */
function linkIntoArtifacts(source: string, target: string): void {
  if (existsSync(join(target, '.complete'))) return;
  mkdirSync(target, { recursive: true });
  const walk = (from: string, to: string) => {
    for (const name of readdirSync(from)) {
      const a = join(from, name);
      const b = join(to, name);
      if (statSync(a).isDirectory()) {
        mkdirSync(b, { recursive: true });
        walk(a, b);
      } else if (!existsSync(b)) {
        try {
          linkSync(a, b);
        } catch {
          copyFileSync(a, b); // another filesystem: copy instead
        }
      }
    }
  };
  walk(source, target);
  writeFileSync(join(target, '.complete'), '');
}

export function createTrainActivities(db: Db, stateDir: string) {
  const artifacts = join(stateDir, 'artifacts');

  async function recordCheckpoint(runId: string, event: Extract<TrainerEvent, { event: 'checkpoint' }>, keepLast: number) {
    const target = join(artifacts, 'checkpoints', event.sha256);
    linkIntoArtifacts(event.path, target);
    const id = await upsertCheckpoint(db, { runId, step: event.step, path: target, sha256: event.sha256, metrics: event.metrics });
    // Keep the last N and the best (lowest loss); prune the rest, rows and files.
    const kept = await listCheckpoints(db, { runId });
    const lossOf = (m: Record<string, number>) => m.loss ?? m.loss_lm ?? Number.POSITIVE_INFINITY;
    const best = kept.reduce((a, b) => (lossOf(b.metrics) < lossOf(a.metrics) ? b : a), kept[0]);
    const recent = new Set(kept.slice(-keepLast).map((c) => c.id));
    const prune = kept.filter((c) => !recent.has(c.id) && c.id !== best.id);
    await markCheckpointsPruned(db, { ids: prune.map((c) => c.id) });
    for (const c of prune) if (!kept.some((k) => k.path === c.path && !prune.includes(k))) rmSync(c.path, { recursive: true, force: true });
    return id;
  }

  return {
    async trainCaptioner(raw: TrainInput): Promise<TrainResult> {
      try {
        return await runTraining(raw);
      } catch (error) {
        const unwritable = artifactsUnwritable(error, artifacts);
        if (!unwritable) throw error;
        // Retrying cannot free a disk or fix a mount: fail the run now, naming the path. Every checkpoint
        // recorded so far stays (rows and files); `fusecap resume` trains on from the newest one.
        throw ApplicationFailure.nonRetryable(
          `${unwritable.message}; make it writable (or free space), then \`fusecap resume ${raw.runId}\` continues from the last recorded checkpoint`,
          'ArtifactsUnwritable',
        );
      }
    },
  };

  async function runTraining(raw: TrainInput): Promise<TrainResult> {
    const input = { ...raw, config: configSchema.parse(raw.config) };
    const { train } = input.config;
    const context = Context.current();
    const runDir = join(artifacts, 'runs', safeFileName(input.runId));
    mkdirSync(runDir, { recursive: true });
    const manifest = join(runDir, 'manifest.jsonl');
    const pairs = await exportTrainingManifest(db, input, manifest);

    // Resume from the newest recorded checkpoint whose files still exist.
    const previous = (await listCheckpoints(db, { runId: input.runId })).filter((c) => existsSync(c.path)).at(-1);
    const args = trainerArgs(train, {
      manifest,
      out: join(runDir, 'train'),
      resumeFrom: previous?.path,
      prompt: input.config.caption.prompt,
    });
    let lastStep = previous?.step ?? 0;
    let lastLoss: number | null = null;
    let firstStep: number | null = null;
    let pending: Promise<unknown> = Promise.resolve();
    const ticker = setInterval(() => context.heartbeat({ step: lastStep }), 5_000);
    let final: TrainerEvent = { event: 'done', step: lastStep, steps: train.steps, checkpoint: null, time: 0 };
    // A retry after the last checkpoint was recorded (e.g. the export failed) has nothing left to train.
    const trainingDone = (previous?.step ?? 0) >= train.steps;
    try {
      if (!trainingDone)
        final = await runTrainer({
          python: pythonOf(input.config),
          args,
          cwd: REPO_ROOT,
          signal: context.cancellationSignal,
          onEvent: (event) => {
            if (event.event === 'step') {
              lastStep = event.step as number;
              firstStep ??= lastStep;
              lastLoss = event.loss as number;
              context.heartbeat({ step: lastStep, loss: lastLoss });
            } else if (event.event === 'checkpoint') {
              const cp = event as Extract<TrainerEvent, { event: 'checkpoint' }>;
              pending = pending.then(() => recordCheckpoint(input.runId, cp, train.keepLast));
            }
          },
        });
      await pending;
    } catch (error) {
      await pending.catch(() => undefined);
      if (error instanceof TrainerProcessError && error.kind === 'usage') {
        throw ApplicationFailure.nonRetryable(`trainer refused the run config: ${error.message}`, 'InvalidTrainConfig');
      }
      throw error;
    } finally {
      clearInterval(ticker);
    }
    if (final.event !== 'done')
      throw new Error(`trainer stopped at step ${lastStep} (${final.event}); the retry resumes from the last checkpoint`);
    const checkpoints = await listCheckpoints(db, { runId: input.runId });
    const last = checkpoints.at(-1);
    if (!last) throw new Error('trainer finished without a checkpoint');

    // ONNX export of the final checkpoint, content-addressed like the checkpoint itself.
    const exportDir = join(artifacts, 'exports', last.sha256);
    if (!existsSync(join(exportDir, 'export.json'))) {
      const tmp = `${exportDir}.tmp-${process.pid}`;
      rmSync(tmp, { recursive: true, force: true });
      await runTrainer({
        python: pythonOf(input.config),
        args: ['-m', 'fusecap_trainer', 'export', '--checkpoint', last.path, '--out', tmp],
        cwd: REPO_ROOT,
        signal: context.cancellationSignal,
      });
      rmSync(exportDir, { recursive: true, force: true });
      // rename is atomic: a crash never leaves a half-written export under the final name.
      renameSync(tmp, exportDir);
    }
    const exportSha256 = (JSON.parse(readFileSync(join(exportDir, 'export.json'), 'utf8')) as { sha256: string }).sha256;
    await setCheckpointExport(db, { id: last.id, exportPath: exportDir, exportSha256 });
    return {
      checkpointId: last.id,
      checkpointPath: last.path,
      step: last.step,
      exportDir,
      exportSha256,
      pairs,
      captions: train.captions,
      resumedFromStep: previous?.step ?? null,
      firstStep,
      finalLoss: lastLoss,
    };
  }
}

/** A write refused under the artifacts folder, by this process or by the trainer it supervises; else null. */
function artifactsUnwritable(error: unknown, artifacts: string): UnwritableError | null {
  const under = (path: string | undefined) => path !== undefined && (path === artifacts || path.startsWith(artifacts + sep));
  if (error instanceof TrainerProcessError) {
    return error.kind === 'unwritable' && error.path && error.code && under(resolve(error.path))
      ? new UnwritableError(error.path, error.code, 'artifacts path')
      : null;
  }
  const unwritable = asUnwritable(error, 'artifacts path');
  return unwritable && under(unwritable.path) ? unwritable : null;
}
