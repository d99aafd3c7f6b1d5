/**
 * Benchmark: our COCO caption metrics against pycocoevalcap on the same 5,000 candidates × 5 references
 * (the seeded fixture generator at a larger size), in the same run, tokenization included on both sides.
 *
 * Both sides compute every toolkit metric: BLEU-1..4, METEOR, ROUGE-L and CIDEr-D. Ours runs METEOR with
 * the TypeScript implementation (metrics/coco/meteor/) by default; pycocoevalcap runs its meteor-1.5.jar.
 * Our paraphrase index is built once per machine (like an install step) before the clock starts; its build
 * time is printed when this run had to build it. The last printed line is one JSON object with the figures.
 *
 * Usage: node --import tsx bench/metrics.ts [--images 5000] [--no-meteor] [--meteor-backend typescript|jar]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateCaptions, type CocoMetric, type MeteorBackend } from '../metrics/coco/evaluate.ts';
import { ensureParaphraseIndex } from '../metrics/coco/meteor/resources.ts';
import { REPO_ROOT } from '../lib/paths.ts';
import { venvPython } from '../metrics/coco/toolkit-paths.ts';
import { makeEvalFixture } from '../scripts/make-eval-fixture.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '5000' },
    'no-meteor': { type: 'boolean', default: false },
    'meteor-backend': { type: 'string', default: 'typescript' },
    seed: { type: 'string', default: '7' },
  },
});
const images = Number(values.images);
const withMeteor = !values['no-meteor'];
const meteorBackend = values['meteor-backend'] as MeteorBackend;
if (meteorBackend !== 'typescript' && meteorBackend !== 'jar') throw new Error('--meteor-backend is typescript or jar');
const indexBuildMs = withMeteor && meteorBackend === 'typescript' ? ensureParaphraseIndex() : 0;
if (indexBuildMs > 0) console.log(`built the METEOR paraphrase index once in ${indexBuildMs.toFixed(0)} ms (not timed below)`);

const fixture = makeEvalFixture(images, Number(values.seed));
const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
const input = join(dir, 'input.json');
writeFileSync(input, JSON.stringify(fixture));

// pycocoevalcap: its own per-stage timings (perf_counter inside the process) plus the process wall time.
const pyMetrics = ['bleu', 'rouge', 'cider', ...(withMeteor ? ['meteor'] : [])].join(',');
const t0 = performance.now();
const py = spawnSync(venvPython(), [join(REPO_ROOT, 'bench/cocoeval_ref.py'), input, '--metrics', pyMetrics], {
  encoding: 'utf8',
  maxBuffer: 1024 * 1024 * 1024,
});
const pyWallMs = performance.now() - t0;
if (py.status !== 0) throw new Error(`pycocoevalcap runner failed: ${py.stderr}`);
const ref = JSON.parse(py.stdout) as {
  pycocoevalcap: { corpus: Record<string, number>; perImage: Record<string, number[]> };
  timings_s: Record<string, number>;
};
rmSync(dir, { recursive: true, force: true });

const fast: CocoMetric[] = ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'ROUGE_L', 'CIDEr-D'];
const all: CocoMetric[] = withMeteor ? [...fast, 'METEOR'] : fast;
// One evaluation of every metric, as a user runs it (METEOR's tables are loaded inside the timed call).
const t1 = performance.now();
const ours = await evaluateCaptions({ references: fixture.references, candidates: fixture.candidates, metrics: all, meteorBackend });
const oursAllMs = performance.now() - t1;
const oursMeteorMs = ours.timingsMs.meteor ?? 0;
const oursFastMs = oursAllMs - oursMeteorMs;

const theirName = (m: CocoMetric): string => (m === 'CIDEr-D' ? 'CIDEr' : m);
const maxAbsDiff: Record<string, { corpus: number; perImage: number }> = {};
for (const m of [...fast, ...(withMeteor ? (['METEOR'] as CocoMetric[]) : [])]) {
  const a = ours.perImage[m]!;
  const b = ref.pycocoevalcap.perImage[theirName(m)];
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  maxAbsDiff[m] = { corpus: Math.abs(ours.corpus[m]! - ref.pycocoevalcap.corpus[theirName(m)]), perImage: worst };
}

const pyT = ref.timings_s;
const pyFastMs = (pyT.tokenize + pyT.bleu + pyT.rouge + pyT.cider) * 1000;
const pyMeteorMs = withMeteor ? (pyT.meteor + pyT.meteor_start) * 1000 : 0;
const result = {
  bench: 'metrics',
  images,
  referencesPerImage: 5,
  metrics: all,
  meteorBackend: withMeteor ? meteorBackend : null,
  pycocoevalcap: {
    tokenizeMs: pyT.tokenize * 1000,
    bleuMs: pyT.bleu * 1000,
    rougeMs: pyT.rouge * 1000,
    ciderMs: pyT.cider * 1000,
    meteorMs: withMeteor ? pyMeteorMs : null,
    tokenizeBleuRougeCiderMs: pyFastMs,
    allMs: pyFastMs + pyMeteorMs,
    processWallMs: pyWallMs,
  },
  ours: {
    tokenizeMs: ours.timingsMs.tokenize,
    bleuMs: ours.timingsMs.bleu,
    rougeMs: ours.timingsMs.rouge,
    ciderDMs: ours.timingsMs.ciderD,
    meteorMs: withMeteor ? oursMeteorMs : null,
    tokenizeBleuRougeCiderMs: oursFastMs,
    allMs: oursAllMs,
  },
  meteorIndexBuildMs: indexBuildMs,
  speedupTokenizeBleuRougeCider: pyFastMs / oursFastMs,
  speedupMeteor: withMeteor ? pyMeteorMs / oursMeteorMs : null,
  speedupAll: (pyFastMs + pyMeteorMs) / oursAllMs,
  maxAbsDiff,
  note: 'CIDEr-D is compared with pycocoevalcap Cider (key "CIDEr"), which computes CIDEr-D; pycocoevalcap METEOR is meteor-1.5.jar',
};
console.log(
  `all metrics: ours ${oursAllMs.toFixed(0)} ms (METEOR ${oursMeteorMs.toFixed(0)} ms, ${meteorBackend}); ` +
    `pycocoevalcap ${(pyFastMs + pyMeteorMs).toFixed(0)} ms (METEOR ${pyMeteorMs.toFixed(0)} ms); ×${result.speedupAll.toFixed(1)}`,
);
console.log(JSON.stringify(result));
