/**
 * Parity with the COCO caption toolkit: runs pycocoevalcap itself (bench/cocoeval_ref.py in the project's
 * .venv) and our TypeScript evaluation on the same 600-image × 5-reference fixture, in the same run.
 *
 * Compared, per image and for the corpus, to 1e-6:
 * - tokenized captions (string equality) against pycocoevalcap's PTBTokenizer;
 * - Bleu_1..4, ROUGE_L, METEOR against pycocoevalcap's Bleu, Rouge, Meteor;
 * - our "CIDEr-D" against pycocoevalcap's Cider (key "CIDEr"), which is CIDEr-D, and against the
 *   CIDEr-D reference implementation in bench/cocoeval_ref.py (written from pyciderevalcap's ciderD);
 * - our "CIDEr" (original, unclipped, no length penalty) against that file's reference implementation of
 *   pyciderevalcap's cider_scorer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { evaluateCaptions, type CocoMetric } from '../../../metrics/coco/evaluate.ts';
import { REPO_ROOT } from '../../../lib/paths.ts';
import { venvPython } from '../../../metrics/coco/toolkit-paths.ts';
import { tokenizeAll } from './helpers.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/captions-eval/coco-eval.json');
const TOL = 1e-6;

interface RefOutput {
  imageIds: string[];
  tokenized: { references: string[][]; candidates: string[] };
  pycocoevalcap: { corpus: Record<string, number>; perImage: Record<string, number[]> };
  reference: { corpus: Record<string, number>; perImage: Record<string, number[]> };
}

function assertClose(actual: number[], expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  assert.ok(worst <= TOL, `${what}: max abs diff ${worst}`);
}

test('COCO metrics equal pycocoevalcap (and the CIDEr references) to 1e-6 on 600 images × 5 references', { timeout: 300_000 }, async () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { references: Record<string, string[]>; candidates: Record<string, string> };
  assert.ok(Object.keys(fixture.candidates).length >= 500);
  const py = spawnSync(venvPython(), [join(REPO_ROOT, 'bench/cocoeval_ref.py'), FIXTURE], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  assert.equal(py.status, 0, py.stderr);
  const ref = JSON.parse(py.stdout) as RefOutput;

  const ours = await evaluateCaptions({ references: fixture.references, candidates: fixture.candidates });
  assert.deepEqual(ours.imageIds, ref.imageIds);

  const tok = tokenizeAll(fixture, ours.imageIds);
  assert.deepEqual(tok.candidates, ref.tokenized.candidates);
  assert.deepEqual(tok.references, ref.tokenized.references);

  const toolkit: [CocoMetric, string][] = [
    ['Bleu_1', 'Bleu_1'],
    ['Bleu_2', 'Bleu_2'],
    ['Bleu_3', 'Bleu_3'],
    ['Bleu_4', 'Bleu_4'],
    ['METEOR', 'METEOR'],
    ['ROUGE_L', 'ROUGE_L'],
    ['CIDEr-D', 'CIDEr'],
  ];
  for (const [ourName, theirName] of toolkit) {
    assertClose([ours.corpus[ourName]!], [ref.pycocoevalcap.corpus[theirName]], `${ourName} corpus vs pycocoevalcap ${theirName}`);
    assertClose(ours.perImage[ourName]!, ref.pycocoevalcap.perImage[theirName], `${ourName} per image vs pycocoevalcap ${theirName}`);
  }
  for (const name of ['CIDEr-D', 'CIDEr'] as const) {
    assertClose([ours.corpus[name]!], [ref.reference.corpus[name]], `${name} corpus vs reference implementation`);
    assertClose(ours.perImage[name]!, ref.reference.perImage[name], `${name} per image vs reference implementation`);
  }
  // The two CIDEr variants must really differ on this data, or the comparison above proves nothing.
  assert.ok(Math.abs(ours.corpus['CIDEr']! - ours.corpus['CIDEr-D']!) > 1e-3);
});
