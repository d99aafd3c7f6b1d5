/**
 * The hallucination filters, one at a time and together, on one half of the truth set (data/truth):
 * original captions vs grounded-fuser captions with no filter, with each filter alone, and with all.
 * Runs the experts in process (no Temporal, no database) so one run of 32 images takes a few minutes
 * on one core; every row sees the same detections, masks and OCR lines.
 *
 *   npm run bench:filters -- --split test      # report on the test half (thresholds were chosen on tuning)
 *   npm run bench:filters -- --split tuning    # the half the defaults were chosen on
 *
 * Prints one line per variant, then one JSON object with every figure.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { configSchema } from '../config/schema.ts';
import { createAttributeRecognizer } from '../experts/attributes/index.ts';
import { createDetectFilters, type DetectFilterOptions } from '../experts/detect/filters.ts';
import { createDetector } from '../experts/detect/index.ts';
import { createFuser } from '../experts/fuse/index.ts';
import { createOcr } from '../experts/ocr/index.ts';
import type { AttributesOutput, DetectOutput, OcrOutput } from '../experts/types.ts';
import { decodeImage } from '../lib/image.ts';
import { type HallucinationSummary, summarizeHallucination, type TruthItem } from '../metrics/hallucination/summary.ts';
import { imageTruthFromTruthFile, parseTruthSet } from '../metrics/hallucination/truth.ts';

const { values } = parseArgs({ options: { split: { type: 'string', default: 'test' }, truth: { type: 'string', default: 'data/truth' } } });
const split = values.split as 'tuning' | 'test';
const set = parseTruthSet(JSON.parse(readFileSync(join(values.truth!, 'truth.json'), 'utf8')));
const images = set.images.filter((im) => im.split === split);

const OFF: DetectFilterOptions = { thresholds: false, caption: false, classifier: false };
const DETECT_VARIANTS: Record<string, DetectFilterOptions> = {
  none: OFF,
  thresholds: { ...OFF, thresholds: true },
  caption: { ...OFF, caption: true },
  classifier: { ...OFF, classifier: true },
  all: {},
};
/** Attribute settings before this work: ring estimate, any dominant share, people at the old face rules. */
const LOOSE_ATTRIBUTES = { colorMask: false, minColorShare: 0, people: { minFaceSide: 0, minFaceScore: 0.7, minExpressionScore: 0.4 } };
const STRICT_ATTRIBUTES = {};

const config = configSchema.parse({});
const detector = await createDetector({});
const filters = Object.fromEntries(
  await Promise.all(Object.entries(DETECT_VARIANTS).map(async ([k, o]) => [k, await createDetectFilters(o)] as const)),
);
const loose = await createAttributeRecognizer({ ...config.attributes, ...LOOSE_ATTRIBUTES });
const strict = await createAttributeRecognizer({ ...config.attributes, ...STRICT_ATTRIBUTES });
const looseColorStrictPeople = await createAttributeRecognizer({ ...config.attributes, colorMask: false, minColorShare: 0 });
const strictColorLoosePeople = await createAttributeRecognizer({ ...config.attributes, people: LOOSE_ATTRIBUTES.people });
const ocr = await createOcr({ ...config.ocr, workerThread: false });
const fuseChecked = createFuser({ ...config.fuse, checkText: true });
const fuseUnchecked = createFuser({ ...config.fuse, checkText: false });

interface Row {
  detect: string;
  attributes: 'loose' | 'strict' | 'color' | 'people';
  checkText: boolean;
}
const ROWS: Record<string, Row> = {
  'fused, no filter': { detect: 'none', attributes: 'loose', checkText: false },
  '+ calibrated thresholds': { detect: 'thresholds', attributes: 'loose', checkText: false },
  '+ caption consistency': { detect: 'caption', attributes: 'loose', checkText: false },
  '+ classifier': { detect: 'classifier', attributes: 'loose', checkText: false },
  '+ colour (mask, chroma, unsure)': { detect: 'none', attributes: 'color', checkText: false },
  '+ people thresholds': { detect: 'none', attributes: 'people', checkText: false },
  '+ OCR text check': { detect: 'none', attributes: 'loose', checkText: true },
  'fused, all filters': { detect: 'all', attributes: 'strict', checkText: true },
};
const recognizers = { loose, strict, color: strictColorLoosePeople, people: looseColorStrictPeople };

const items: Record<string, TruthItem[]> = { original: [] };
for (const name of Object.keys(ROWS)) items[name] = [];
const t0 = performance.now();
for (const im of images) {
  const image = await decodeImage(join(values.truth!, 'images', im.file));
  const truth = imageTruthFromTruthFile(im);
  const originals = [im.caption];
  items.original.push({ caption: im.caption, truth, originals });
  const raw = await detector.detect(image);
  const lines: OcrOutput = await ocr.read(image);
  const detections: Record<string, DetectOutput> = {};
  for (const [k, f] of Object.entries(filters)) detections[k] = await f.apply(raw, image, originals, detector.model.id, detector);
  const attrCache = new Map<string, AttributesOutput>();
  for (const [name, row] of Object.entries(ROWS)) {
    const key = `${row.detect}|${row.attributes}`;
    let attributes = attrCache.get(key);
    if (!attributes) {
      attributes = await recognizers[row.attributes].describe(image, detections[row.detect]);
      attrCache.set(key, attributes);
    }
    const fuser = row.checkText ? fuseChecked : fuseUnchecked;
    const out = await fuser.fuse({ original: im.caption, detect: detections[row.detect], attributes, ocr: lines });
    items[name].push({ caption: out.caption, truth, originals });
  }
}
const seconds = (performance.now() - t0) / 1000;

const fmt = (v: number | null): string => (v === null ? '   –  ' : `${(v * 100).toFixed(1).padStart(5)}%`);
const summaries: Record<string, HallucinationSummary> = {};
console.log(`truth set ${split} half: ${images.length} images, ${seconds.toFixed(0)} s`);
console.log('variant                            CHAIR_i CHAIR_s colours quotes  expr.  place   words  recall added');
for (const [name, list] of Object.entries(items)) {
  const s = summarizeHallucination(list);
  summaries[name] = s;
  console.log(
    `${name.padEnd(34)} ${fmt(s.chairI)} ${fmt(s.chairS)} ${fmt(s.wrongColorRate)} ${fmt(s.wrongQuoteRate)} ${fmt(s.wrongExpressionRate)} ${fmt(s.wrongPositionRate)} ${(s.wordsPerCaption ?? 0).toFixed(1).padStart(5)} ${fmt(s.recall)} ${fmt(s.addedShare)}`,
  );
}
const o = summaries.original;
const all = summaries['fused, all filters'];
const targets = {
  chairI: all.chairI !== null && all.chairI <= 0.05,
  chairS: all.chairS !== null && all.chairS <= 0.15,
  wrongColors: all.wrongColorRate === null || all.wrongColorRate <= 0.05,
  wrongQuotes: all.wrongQuoteRate === null || all.wrongQuoteRate <= 0.05,
  words: (all.wordsPerCaption ?? 0) >= 1.5 * (o.wordsPerCaption ?? 0),
  added: all.addedShare !== null && all.addedShare >= 0.5,
};
for (const f of Object.values(filters)) await f.dispose();
for (const r of [loose, strict, strictColorLoosePeople, looseColorStrictPeople]) await r.dispose();
await Promise.all([detector.dispose(), ocr.dispose(), fuseChecked.dispose(), fuseUnchecked.dispose()]);
console.log(JSON.stringify({ bench: 'filters', split, images: images.length, seconds: Math.round(seconds), targets, summaries }));
