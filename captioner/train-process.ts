/**
 * Supervises one `python -m fusecap_trainer ...` process: parses its JSON-line events from stdout, keeps
 * the tail of stderr for error messages, and turns an AbortSignal into SIGTERM (the trainer then saves a
 * checkpoint and exits) followed by SIGKILL after a grace period. Plain TypeScript: the train activity
 * wraps it with heartbeats and checkpoint rows.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** Events the trainer emits (trainer/fusecap_trainer/events.py); every event also carries `time`. */
export type TrainerEvent =
  | ({ event: 'start'; step: number; resumed_from: string | null; device: string } & Record<string, unknown>)
  | {
      event: 'step';
      step: number;
      epoch: number;
      loss: number;
      loss_lm: number;
      loss_itc?: number;
      loss_itm?: number;
      lr: number;
      samples_per_s: number;
      time: number;
    }
  | { event: 'checkpoint'; step: number; epoch: number; path: string; sha256: string; metrics: Record<string, number>; time: number }
  | {
      event: 'skipped';
      total: number;
      reasons: Record<string, number>;
      examples: { line: number; reason: string; detail: string }[];
      time: number;
    }
  | { event: 'done'; step: number; steps: number; checkpoint: CheckpointInfo | null; time: number }
  | { event: 'stopped'; step: number; signal: string; checkpoint: CheckpointInfo | null; time: number }
  | { event: 'error'; message: string; kind: 'usage' | 'internal'; time: number }
  | { event: 'error'; message: string; kind: 'unwritable'; path: string; code: string; time: number }
  | ({ event: string } & Record<string, unknown>);

export interface CheckpointInfo {
  step: number;
  epoch: number;
  path: string;
  sha256: string;
  metrics: Record<string, number>;
}

export interface RunTrainerOptions {
  /** Python interpreter, e.g. .venv/bin/python. */
  python: string;
  /** Arguments after the interpreter, e.g. ['-m', 'fusecap_trainer', 'train', '--manifest', …]. */
  args: string[];
  /** Working directory; `trainer/` is put on PYTHONPATH relative to `packageRoot`. */
  cwd?: string;
  /** Folder holding the fusecap_trainer package; default: this repository's trainer/. */
  packageRoot?: string;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onEvent?: (event: TrainerEvent) => void;
  /** Time between SIGTERM and SIGKILL when aborted. */
  killGraceMs?: number;
}

export class TrainerProcessError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    /**
     * 'usage' for errors the caller can fix (bad path, batch size): do not retry. 'unwritable': an output
     * folder refused a write (read-only, full disk); `path` and `code` name it.
     */
    readonly kind: 'usage' | 'internal' | 'unwritable' | 'crash' | 'aborted',
    readonly lastEvent: TrainerEvent | null,
    readonly path?: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'TrainerProcessError';
  }
}

const STDERR_TAIL_CHARS = 4000;
export const TRAINER_PACKAGE_ROOT = new URL('../trainer/', import.meta.url).pathname;

/**
 * Resolves with the final `done` event, or with `stopped` when the trainer stopped on SIGTERM (an abort
 * through `signal`) after writing a checkpoint. Rejects with TrainerProcessError carrying the trainer's
 * `error` message or the tail of stderr when the process died without one.
 */
export function runTrainer(options: RunTrainerOptions): Promise<TrainerEvent> {
  const packageRoot = options.packageRoot ?? TRAINER_PACKAGE_ROOT;
  const env = { ...process.env, ...options.env };
  env.PYTHONPATH = env.PYTHONPATH ? `${packageRoot}:${env.PYTHONPATH}` : packageRoot;
  env.PYTHONUNBUFFERED = '1';
  return new Promise((resolve, reject) => {
    if (options.signal?.aborted) {
      reject(new TrainerProcessError('trainer not started: already aborted', null, null, '', 'aborted', null));
      return;
    }
    const child = spawn(options.python, options.args, { cwd: options.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let final: TrainerEvent | null = null;
    let errorEvent: TrainerEvent | null = null;
    let last: TrainerEvent | null = null;
    let killTimer: NodeJS.Timeout | undefined;

    const onAbort = () => {
      child.kill('SIGTERM');
      killTimer = setTimeout(() => child.kill('SIGKILL'), options.killGraceMs ?? 30_000);
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      if (!line.trim()) return;
      let event: TrainerEvent;
      try {
        event = JSON.parse(line) as TrainerEvent;
      } catch {
        // A library printed to stdout; keep it with stderr for diagnosis rather than fail the run.
        stderr = (stderr + `[stdout] ${line}\n`).slice(-STDERR_TAIL_CHARS);
        return;
      }
      last = event;
      // train ends with done (or stopped on SIGTERM); export and score end with exported / scored.
      if (['done', 'stopped', 'exported', 'scored'].includes(event.event)) final = event;
      if (event.event === 'error') errorEvent = event;
      try {
        options.onEvent?.(event);
      } catch (error) {
        // A failing callback must not leave an orphan trainer running.
        child.kill('SIGKILL');
        reject(error);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_TAIL_CHARS);
    });
    child.on('error', (error) => {
      options.signal?.removeEventListener('abort', onAbort);
      reject(new TrainerProcessError(`cannot start trainer ${options.python}: ${error.message}`, null, null, stderr, 'crash', null));
    });
    // 'close' (not 'exit') so every stdout line has been read.
    child.on('close', (code, signal) => {
      clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      if (code === 0 && final) return resolve(final);
      const tail = stderr.trim().split('\n').slice(-15).join('\n');
      if (errorEvent && errorEvent.event === 'error') {
        const e = errorEvent as { message: string; kind: 'usage' | 'internal' | 'unwritable'; path?: string; code?: string };
        return reject(new TrainerProcessError(e.message, code, signal, tail, e.kind, last, e.path, e.code));
      }
      const aborted = options.signal?.aborted ?? false;
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      reject(
        new TrainerProcessError(
          `trainer ${how}${aborted ? ' after abort' : ''}${final ? '' : ' without a final event'}${tail ? `: ${tail}` : ''}`,
          code,
          signal,
          tail,
          aborted ? 'aborted' : 'crash',
          last,
        ),
      );
    });
  });
}

/** The `train` config section's fields that trainerArgs reads (config/schema.ts). */
export interface TrainSettings {
  preset: string;
  mode: string;
  steps: number;
  batchSize: number;
  learningRate: number;
  checkpointEvery: number;
  keepLast: number;
  seed: number;
  pretrained?: string;
  labelSmoothing?: number;
  threads?: number;
}

/**
 * Arguments for runTrainer from the config's `train` section: `python -m fusecap_trainer train …`.
 * `resumeFrom` is the latest checkpoint folder of the run, when there is one.
 */
export function trainerArgs(
  train: TrainSettings,
  paths: { manifest: string; out: string; resumeFrom?: string; prompt?: string },
): string[] {
  const args = [
    '-m',
    'fusecap_trainer',
    'train',
    '--manifest',
    paths.manifest,
    '--out',
    paths.out,
    '--preset',
    train.preset,
    '--mode',
    train.mode,
    '--steps',
    String(train.steps),
    '--batch-size',
    String(train.batchSize),
    '--lr',
    String(train.learningRate),
    '--checkpoint-every',
    String(train.checkpointEvery),
    '--keep-last',
    String(train.keepLast),
    '--seed',
    String(train.seed),
  ];
  if (train.pretrained) args.push('--pretrained', train.pretrained);
  if (train.labelSmoothing !== undefined) args.push('--label-smoothing', String(train.labelSmoothing));
  if (train.threads !== undefined) args.push('--threads', String(train.threads));
  if (paths.prompt !== undefined) args.push('--prompt', paths.prompt);
  if (paths.resumeFrom) args.push('--resume-from', paths.resumeFrom);
  return args;
}
