/**
 * Shared by the trainer, captioner and caption-stage tests: the sample set as a trainer manifest, and a
 * tiny checkpoint + ONNX export trained by the project's own trainer. Training takes ~10 s on two cores,
 * so the result is kept under the OS temp folder, keyed by a hash of the trainer's sources and the
 * sample captions: a changed trainer retrains, an unchanged one reuses it across test files.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TRAINER_PACKAGE_ROOT } from '../../captioner/train-process.ts';

import { REPO_ROOT } from '../../lib/paths.ts';

export { REPO_ROOT };
export const PYTHON = process.env.FUSECAP_PYTHON ?? path.join(REPO_ROOT, '.venv/bin/python');
export const SAMPLE_DIR = path.join(REPO_ROOT, 'data/sample');
export const SAMPLE_IMAGES = readFileSync(path.join(SAMPLE_DIR, 'captions.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => path.join(SAMPLE_DIR, (JSON.parse(l) as { file: string }).file));

/** Keeps the tests polite on a shared two-core machine. */
export const THREADS = '2';

/** One {"image_id", "path", "caption"} line per sample caption; `extra` lines are appended verbatim. */
export function writeSampleManifest(file: string, extra: object[] = []): number {
  const lines: string[] = [];
  for (const line of readFileSync(path.join(SAMPLE_DIR, 'captions.jsonl'), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const row = JSON.parse(line) as { file: string; captions: string[] };
    for (const caption of row.captions) lines.push(JSON.stringify({ image_id: row.file, path: path.join(SAMPLE_DIR, row.file), caption }));
  }
  for (const e of extra) lines.push(JSON.stringify(e));
  writeFileSync(file, lines.join('\n') + '\n');
  return lines.length - extra.length;
}

/** Runs a trainer command to completion and returns stdout (throws with stderr on failure). */
export function trainerCli(args: string[]): string {
  return execFileSync(PYTHON, ['-m', 'fusecap_trainer', ...args], {
    env: { ...process.env, PYTHONPATH: TRAINER_PACKAGE_ROOT, FUSECAP_TORCH_THREADS: THREADS },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 << 20,
  });
}

export interface TinyModel {
  checkpoint: string;
  exportDir: string;
  manifest: string;
}

function sourcesHash(): string {
  const hash = createHash('sha256');
  const pkg = path.join(TRAINER_PACKAGE_ROOT, 'fusecap_trainer');
  for (const name of readdirSync(pkg)
    .filter((n) => n.endsWith('.py'))
    .sort())
    hash.update(name).update(readFileSync(path.join(pkg, name)));
  hash.update(readFileSync(path.join(SAMPLE_DIR, 'captions.jsonl')));
  return hash.digest('hex').slice(0, 16);
}

export const TINY_STEPS = 120;

/** The tiny checkpoint + export, trained once per trainer version (see the file comment). */
export function tinyModel(): TinyModel {
  const root = path.join(os.tmpdir(), `fusecap-tiny-${sourcesHash()}`);
  const result = {
    checkpoint: path.join(root, 'run/checkpoints', `step-${String(TINY_STEPS).padStart(6, '0')}`),
    exportDir: path.join(root, 'export'),
    manifest: path.join(root, 'manifest.jsonl'),
  };
  if (existsSync(path.join(root, 'ready'))) return result;
  // Models of earlier trainer versions are never read again.
  for (const name of readdirSync(os.tmpdir())) {
    if (/^fusecap-tiny-[0-9a-f]{16}$/.test(name) && existsSync(path.join(os.tmpdir(), name, 'ready')))
      rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  }
  const building = `${root}.building-${process.pid}`;
  rmSync(building, { recursive: true, force: true });
  mkdirSync(building, { recursive: true });
  writeSampleManifest(path.join(building, 'manifest.jsonl'));
  trainerCli([
    'train',
    '--manifest',
    path.join(building, 'manifest.jsonl'),
    '--out',
    path.join(building, 'run'),
    '--preset',
    'tiny',
    '--steps',
    String(TINY_STEPS),
    '--batch-size',
    '8',
    '--lr',
    '1e-3',
    '--checkpoint-every',
    String(TINY_STEPS),
    '--seed',
    '0',
    '--log-every',
    '20',
  ]);
  trainerCli([
    'export',
    '--checkpoint',
    path.join(building, 'run/checkpoints', path.basename(result.checkpoint)),
    '--out',
    path.join(building, 'export'),
  ]);
  writeFileSync(path.join(building, 'ready'), new Date().toISOString());
  // Paths recorded inside (manifest, source checkpoint) name the building folder; nothing reads them back.
  if (existsSync(path.join(root, 'ready')))
    rmSync(building, { recursive: true, force: true }); // another test file won the race
  else {
    rmSync(root, { recursive: true, force: true });
    renameSync(building, root);
  }
  return result;
}
