/**
 * Benchmark: our COCO caption metrics against pycocoevalcap on the same 5,000 candidates × 5 references
 * (the seeded fixture generator at a larger size), in the same run, tokenization included on both sides.
 *
 * Both sides run METEOR through the same meteor-1.5.jar, so its time is reported separately from the
 * metrics implemented in TypeScript (tokenizer, BLEU-1..4, ROUGE-L, CIDEr-D). The last printed line is
 * one JSON object with the figures.
 *
 * Usage: node --import tsx bench/metrics.ts [--images 5000] [--no-meteor]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { evaluateCaptions, type CocoMetric } from '../metrics/coco/evaluate.ts';
import { PROJECT_ROOT, venvPython } from '../metrics/coco/toolkit-paths.ts';
import { makeEvalFixture } from '../scripts/make-eval-fixture.ts';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '5000' },
    'no-meteor': { type: 'boolean', default: false },
    seed: { type: 'string', default: '7' },
  },
});
const images = Number(values.images);
const withMeteor = !values['no-meteor'];

const fixture = makeEvalFixture(images, Number(values.seed));
const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
const input = join(dir, 'input.json');
writeFileSync(input, JSON.stringify(fixture));

// pycocoevalcap: its own per-stage timings (perf_counter inside the process) plus the process wall time.
const pyMetrics = ['bleu', 'rouge', 'cider', ...(withMeteor ? ['meteor'] : [])].join(',');
const t0 = performance.now();
const py = spawnSync(venvPython(), [join(PROJECT_ROOT, 'bench/cocoeval_ref.py'), input, '--metrics', pyMetrics], {
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
const t1 = performance.now();
const ours = await evaluateCaptions({ references: fixture.references, candidates: fixture.candidates, metrics: fast });
const oursFastMs = performance.now() - t1;
let oursMeteorMs = 0;
if (withMeteor) {
  const t2 = performance.now();
  const m = await evaluateCaptions({ references: fixture.references, candidates: fixture.candidates, metrics: ['METEOR'] });
  oursMeteorMs = performance.now() - t2;
  ours.corpus.METEOR = m.corpus.METEOR;
  ours.perImage.METEOR = m.perImage.METEOR;
}

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
const result = {
  bench: 'metrics',
  images,
  referencesPerImage: 5,
  pycocoevalcap: {
    tokenizeMs: pyT.tokenize * 1000,
    bleuMs: pyT.bleu * 1000,
    rougeMs: pyT.rouge * 1000,
    ciderMs: pyT.cider * 1000,
    meteorMs: withMeteor ? (pyT.meteor + pyT.meteor_start) * 1000 : null,
    tokenizeBleuRougeCiderMs: pyFastMs,
    processWallMs: pyWallMs,
  },
  ours: {
    tokenizeMs: ours.timingsMs.tokenize,
    bleuMs: ours.timingsMs.bleu,
    rougeMs: ours.timingsMs.rouge,
    ciderDMs: ours.timingsMs.ciderD,
    meteorMs: withMeteor ? oursMeteorMs : null,
    tokenizeBleuRougeCiderMs: oursFastMs,
  },
  speedupTokenizeBleuRougeCider: pyFastMs / oursFastMs,
  speedupIncludingMeteor: withMeteor ? (pyFastMs + (pyT.meteor + pyT.meteor_start) * 1000) / (oursFastMs + oursMeteorMs) : null,
  maxAbsDiff,
  note: 'METEOR runs the same meteor-1.5.jar on both sides; CIDEr-D is compared with pycocoevalcap Cider (key "CIDEr"), which computes CIDEr-D',
};
console.log(
  `TS metrics: ${oursFastMs.toFixed(0)} ms; pycocoevalcap: ${pyFastMs.toFixed(0)} ms; ×${result.speedupTokenizeBleuRougeCider.toFixed(1)}`,
);
console.log(JSON.stringify(result));
