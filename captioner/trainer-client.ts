/**
 * What the activities ask of the Python trainer besides training itself: which interpreter runs it, and
 * retrieval scoring with a trained checkpoint (`python -m fusecap_trainer score`: ITC similarities
 * re-ranked by ITM over the top k). Both the train and the benchmark activity use it, so it lives here
 * rather than in either of them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { FusecapConfig } from '../config/schema.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { retrievalRecall, type RetrievalResult } from '../metrics/retrieval.ts';
import { retrievalScoresFromTrainer, type TrainerScoreFile } from '../metrics/trainer-scores.ts';
import { runTrainer } from './train-process.ts';

/** The trainer's interpreter: config train.python, relative paths from the repository root. */
export function pythonOf(config: FusecapConfig): string {
  return isAbsolute(config.train.python) ? config.train.python : resolve(REPO_ROOT, config.train.python);
}

export interface RetrievalScoringInput {
  config: FusecapConfig;
  checkpointPath: string;
  /** Image-caption pairs: every caption of every image is one text. */
  pairs: { imageId: string; path: string; caption: string }[];
  /** Folder for the manifest and the score file (kept for auditing). */
  workDir: string;
  label: string;
  signal?: AbortSignal;
}

export async function scoreRetrieval(input: RetrievalScoringInput): Promise<RetrievalResult> {
  const manifest = join(input.workDir, `retrieval-${input.label}.jsonl`);
  const out = join(input.workDir, `retrieval-${input.label}.json`);
  writeFileSync(
    manifest,
    input.pairs.map((p) => JSON.stringify({ image_id: p.imageId, path: p.path, caption: p.caption })).join('\n') + '\n',
  );
  await runTrainer({
    python: pythonOf(input.config),
    args: [
      '-m',
      'fusecap_trainer',
      'score',
      '--checkpoint',
      input.checkpointPath,
      '--manifest',
      manifest,
      '--out',
      out,
      '--k',
      String(input.config.benchmark.retrievalK),
    ],
    cwd: REPO_ROOT,
    signal: input.signal,
  });
  return retrievalRecall(retrievalScoresFromTrainer(JSON.parse(readFileSync(out, 'utf8')) as TrainerScoreFile));
}
