/**
 * Hallucination benchmark on the hand-annotated truth set: `npm run bench:truth [-- --split test|tuning|all]
 * [--config FILE] [--refresh] [--verbose]`.
 *
 * Runs the real experts (detect, attributes, OCR) on every photo of the chosen half of data/truth (the test
 * half by default: figures are reported there; thresholds are chosen with `--split tuning`), fuses each
 * original caption with the grounded fuser under every ablation (objects / attributes / OCR on or off), and
 * with the configured fuse backend too when it is not the grounded one, then scores original and fused
 * captions against the annotation (metrics/hallucination/): CHAIR_i, CHAIR_s, wrong colours, wrong
 * expressions, wrong quotes, words per caption, recall of true objects and text lines, and the share of
 * what the original lacked that the fused caption added. No Temporal, no database.
 *
 * Expert outputs are cached in .fusecap/cache/bench-truth/ under the stages' own idempotency key (model id,
 * version and params hash of detect, attributes and OCR, plus the image's sha256), so a rerun with the same
 * experts only fuses and scores; a changed model, version or param recomputes. `--refresh` ignores the cache.
 * The last line printed is one JSON object with every figure.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema, type FusecapConfig } from '../config/schema.ts';
import { paramsHash } from '../lib/hash.ts';
import { decodeImage } from '../lib/image.ts';
import type { AttributesOutput, DetectOutput, OcrOutput } from '../experts/types.ts';
import { createAttributeRecognizer } from '../experts/attributes/index.ts';
import { createDetectFilters } from '../experts/detect/filters.ts';
import { createDetector } from '../experts/detect/index.ts';
import { createFuser } from '../experts/fuse/index.ts';
import { createOcr } from '../experts/ocr/index.ts';
import { stageImplementation } from '../stages/implementations.ts';
import { ablationLabel, EXPERTS, type ExpertName } from '../metrics/enrichment.ts';
import {
  imageTruthFromTruthFile,
  parseTruthSet,
  rateIntervals,
  scoreCaption,
  summarizeHallucination,
  type HallucinationSummary,
  type TruthImage,
} from '../metrics/hallucination/index.ts';

const ROOT = join(import.meta.dirname, '..');
const TRUTH_DIR = join(ROOT, 'data', 'truth');
const CACHE_DIR = join(ROOT, '.fusecap', 'cache', 'bench-truth');

interface Args {
  split: 'test' | 'tuning' | 'all';
  configPath?: string;
  refresh: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { split: 'test', refresh: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--split') {
      const v = argv[++i];
      if (v !== 'test' && v !== 'tuning' && v !== 'all') throw new Error(`--split must be test, tuning or all, got ${v}`);
      args.split = v;
    } else if (a === '--config') {
      args.configPath = argv[++i];
      if (!args.configPath) throw new Error('--config needs a file');
    } else if (a === '--refresh') args.refresh = true;
    else if (a === '--verbose') args.verbose = true;
    else throw new Error(`unknown argument ${a}; allowed: --split test|tuning|all, --config FILE, --refresh, --verbose`);
  }
  return args;
}

interface ExpertOutputs {
  detect: DetectOutput;
  attributes: AttributesOutput;
  ocr: OcrOutput;
}

/** The pipeline's idempotency key of the three expert stages under this config: what the cache is keyed by. */
async function expertKey(config: FusecapConfig): Promise<string> {
  const parts: Record<string, unknown> = {};
  for (const stage of ['detect', 'attributes', 'ocr']) {
    const { model, params } = (await stageImplementation(stage)).describe(config);
    parts[stage] = { model, params: paramsHash(params) };
  }
  return paramsHash(parts);
}

async function runExperts(images: TruthImage[], config: FusecapConfig, refresh: boolean) {
  mkdirSync(CACHE_DIR, { recursive: true });
  const key = await expertKey(config);
  const out = new Map<string, ExpertOutputs>();
  const missing: { im: TruthImage; path: string; cache: string }[] = [];
  for (const im of images) {
    const path = join(TRUTH_DIR, 'images', im.file);
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 24);
    const cache = join(CACHE_DIR, `${key}-${sha}.json`);
    if (!refresh) {
      try {
        out.set(im.file, JSON.parse(readFileSync(cache, 'utf8')) as ExpertOutputs);
        continue;
      } catch {
        // not cached yet
      }
    }
    missing.push({ im, path, cache });
  }
  const timings: number[] = [];
  if (missing.length) {
    const { filters: filterOptions, ...detectOptions } = config.detect;
    const detector = await createDetector({ ...detectOptions, workerThread: false });
    // The detect stage's hallucination filters, as the stage applies them (its params are in the cache key).
    const filters = await createDetectFilters(filterOptions);
    const recognizer = await createAttributeRecognizer(config.attributes);
    // In-process paddle, as scripts/make-expert-fixtures.ts does: one image at a time gains nothing from the thread.
    const ocr = await createOcr({ ...config.ocr, workerThread: false });
    try {
      for (const { im, path, cache } of missing) {
        const t0 = performance.now();
        const image = await decodeImage(path);
        const detect = await filters.apply(await detector.detect(image), image, [im.caption], detector.model.id, detector);
        const attributes = await recognizer.describe(image, detect);
        const text = await ocr.read(image);
        timings.push(performance.now() - t0);
        const outputs = { detect, attributes, ocr: text };
        writeFileSync(cache, JSON.stringify(outputs));
        out.set(im.file, outputs);
      }
    } finally {
      await Promise.all([detector.dispose(), filters.dispose(), recognizer.dispose(), ocr.dispose()]);
    }
  }
  return {
    outputs: out,
    computed: missing.length,
    cached: images.length - missing.length,
    msPerImage: timings.length ? mean(timings) : null,
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** Every on/off combination of the three experts, all on first. */
function ablations(): Record<ExpertName, boolean>[] {
  const out: Record<ExpertName, boolean>[] = [];
  for (let mask = 7; mask >= 0; mask--) {
    out.push({ objects: (mask & 4) !== 0, attributes: (mask & 2) !== 0, ocr: (mask & 1) !== 0 });
  }
  return out;
}

async function fuseAll(
  images: TruthImage[],
  outputs: Map<string, ExpertOutputs>,
  fuseConfig: FusecapConfig['fuse'],
): Promise<Map<string, string>> {
  const fuser = createFuser(fuseConfig);
  await fuser.load();
  const captions = new Map<string, string>();
  try {
    for (const im of images) {
      const o = outputs.get(im.file)!;
      const a = fuseConfig.ablation;
      const result = await fuser.fuse({
        original: im.caption,
        detect: a.objects ? o.detect : null,
        attributes: a.attributes ? o.attributes : null,
        ocr: a.ocr ? o.ocr : null,
      });
      captions.set(im.file, result.caption);
    }
  } finally {
    await fuser.dispose();
  }
  return captions;
}

const pct = (x: number | null): string => (x === null ? '   -  ' : `${(100 * x).toFixed(1).padStart(5)}%`);
const num = (x: number | null, d = 2): string => (x === null ? '-' : x.toFixed(d));
const round = (x: number | null, d = 4): number | null => (x === null ? null : Number(x.toFixed(d)));

function figures(s: HallucinationSummary) {
  const intervals = Object.fromEntries(Object.entries(rateIntervals(s)).map(([k, v]) => [k, [round(v.low), round(v.high)]]));
  return {
    captions: s.captions,
    CHAIR_i: round(s.chairI),
    CHAIR_s: round(s.chairS),
    mentions: s.mentions,
    hallucinatedMentions: s.hallucinatedMentions,
    wrongColours: round(s.wrongColorRate),
    colourWords: s.colorWords,
    wrongExpressions: round(s.wrongExpressionRate),
    expressionWords: s.expressionWords,
    wrongQuotes: round(s.wrongQuoteRate),
    quotes: s.quotes,
    wrongPositions: round(s.wrongPositionRate),
    positionClaims: s.positionClaims,
    wordsPerCaption: round(s.wordsPerCaption, 2),
    recall: round(s.recall),
    objectRecall: round(s.objectRecall),
    textRecall: round(s.textRecall),
    addedShare: round(s.addedShare),
    lackedItems: s.lackedItems,
    /** 95% Wilson intervals of the rates above: the halves are small. */
    intervals,
  };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = configSchema.parse(args.configPath ? JSON.parse(readFileSync(args.configPath, 'utf8')) : {});
  const set = parseTruthSet(JSON.parse(readFileSync(join(TRUTH_DIR, 'truth.json'), 'utf8')));
  const images = set.images.filter((im) => args.split === 'all' || im.split === args.split);
  const t0 = performance.now();
  const experts = await runExperts(images, config, args.refresh);

  const rows: { label: string; captions: Map<string, string> }[] = [];
  rows.push({ label: 'original', captions: new Map(images.map((im) => [im.file, im.caption])) });
  for (const ablation of ablations()) {
    if (!EXPERTS.some((e) => ablation[e])) continue; // no expert: the original caption again
    const fuse = { ...config.fuse, backend: 'grounded' as const, ablation };
    rows.push({ label: `fused grounded ${ablationLabel(ablation)}`, captions: await fuseAll(images, experts.outputs, fuse) });
  }
  if (config.fuse.backend !== 'grounded') {
    rows.push({
      label: `fused ${config.fuse.backend} ${ablationLabel(config.fuse.ablation)}`,
      captions: await fuseAll(images, experts.outputs, config.fuse),
    });
  }

  const results: Record<string, ReturnType<typeof figures>> = {};
  const summaries = new Map<string, HallucinationSummary>();
  for (const row of rows) {
    const items = images.map((im) => ({
      caption: row.captions.get(im.file)!,
      truth: imageTruthFromTruthFile(im),
      originals: [im.caption],
    }));
    const summary = summarizeHallucination(items);
    summaries.set(row.label, summary);
    results[row.label] = figures(summary);
  }

  if (args.verbose) {
    const full = rows[1]!;
    for (const im of images) {
      const caption = full.captions.get(im.file)!;
      const s = scoreCaption(caption, imageTruthFromTruthFile(im));
      const problems = [
        ...s.hallucinated.map((h) => `object ${h}`),
        ...s.wrongColors.map((c) => `colour ${c.color} on ${c.cls}`),
        ...s.wrongExpressions.map((e) => `expression ${e}`),
        ...s.wrongQuotes.map((q) => `quote "${q}"`),
        ...s.wrongPositions.map((p) => `position ${p}`),
      ];
      // What the original lacked and the fused caption still does not state: the room "added" has left.
      const before = scoreCaption(im.caption, imageTruthFromTruthFile(im));
      const missed = [
        ...s.objectsTrue.filter((o) => !before.objectsStated.includes(o) && !s.objectsStated.includes(o)),
        ...(s.textTrue ?? []).filter((l) => !before.textStated.includes(l) && !s.textStated.includes(l)).map((l) => `"${l}"`),
      ];
      console.log(
        `${im.file}: ${caption}${problems.length ? `\n    ✗ ${problems.join('; ')}` : ''}${missed.length ? `\n    – not added: ${missed.join(', ')}` : ''}`,
      );
    }
    console.log('');
  }

  console.log(
    `truth set, ${args.split} half: ${images.length} images; experts ${experts.computed} run` +
      (experts.msPerImage !== null ? ` (${experts.msPerImage.toFixed(0)} ms/image)` : '') +
      `, ${experts.cached} from cache`,
  );
  const header = `${'captions'.padEnd(44)} CHAIR_i CHAIR_s colour   expr.  quotes  place   words recall  added`;
  console.log(header);
  console.log('-'.repeat(header.length));
  for (const [label, f] of Object.entries(results)) {
    console.log(
      `${label.padEnd(44)} ${pct(f.CHAIR_i)} ${pct(f.CHAIR_s)} ${pct(f.wrongColours)} ${pct(f.wrongExpressions)} ${pct(f.wrongQuotes)} ${pct(f.wrongPositions)} ${num(
        f.wordsPerCaption,
      ).padStart(6)} ${pct(f.recall)} ${pct(f.addedShare)}`,
    );
  }
  console.log(
    'rates: CHAIR_i = hallucinated / object mentions, CHAIR_s = captions with one, colour / expr. / quotes / place = wrong / judged; ' +
      'recall = true objects + text lines stated; added = of those the original lacked, share stated',
  );
  // How sure the full fused rows' rates are: 0 of 12 is not 0%, it is "under 24%" at 95%.
  for (const [label, summary] of summaries) {
    if (!label.endsWith('objects+attributes+ocr')) continue;
    const parts = Object.entries(rateIntervals(summary)).map(
      ([name, v]) => `${name} ${v.k}/${v.n} [${(100 * v.low).toFixed(0)}–${(100 * v.high).toFixed(0)}%]`,
    );
    console.log(`95% intervals, ${label}: ${parts.join(', ')}`);
  }
  console.log(
    JSON.stringify({
      bench: 'truth',
      split: args.split,
      images: images.length,
      experts: { computed: experts.computed, cached: experts.cached, msPerImage: round(experts.msPerImage, 1) },
      seconds: round((performance.now() - t0) / 1000, 2),
      results,
    }),
  );
}

await main();
