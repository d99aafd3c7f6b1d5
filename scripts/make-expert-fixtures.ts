/**
 * Runs the real detect, attributes and OCR experts on the sample images and writes what they return to
 * test/fixtures/expert-outputs/<image>.json as {file, captions, detect, attributes, ocr}: the fuser's
 * tests and benchmark read these instead of loading vision models.
 *
 *   npx tsx scripts/make-expert-fixtures.ts              # all images of data/sample/captions.jsonl
 *   npx tsx scripts/make-expert-fixtures.ts dog.jpg ...  # only these
 *   npx tsx scripts/make-expert-fixtures.ts --pin-golden # also re-pin the grounded fuser's golden outputs
 *
 * Re-pinning changes what the tests expect: read the diff of golden-grounded.json before committing it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { configSchema } from '../config/schema.ts';
import { createAttributeRecognizer } from '../experts/attributes/index.ts';
import { createDetector } from '../experts/detect/index.ts';
import { buildFacts } from '../experts/fuse/facts.ts';
import { groundedFuse } from '../experts/fuse/grounded.ts';
import { createOcr } from '../experts/ocr/index.ts';
import { decodeImage } from '../lib/image.ts';

const root = join(import.meta.dirname, '..');
const sampleDir = join(root, 'data', 'sample');
const outDir = join(root, 'test', 'fixtures', 'expert-outputs');

interface SampleRow {
  file: string;
  captions: string[];
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const pinGolden = args.includes('--pin-golden');
  const only = new Set(args.filter((a) => !a.startsWith('--')));
  const rows: SampleRow[] = readFileSync(join(sampleDir, 'captions.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
  const selected = rows.filter((r) => only.size === 0 || only.has(basename(r.file)));
  if (selected.length === 0) throw new Error(`no sample image matches ${[...only].join(', ')}`);

  const config = configSchema.parse({});
  const detector = await createDetector(config.detect);
  const recognizer = await createAttributeRecognizer(config.attributes);
  // In-process paddle: a one-image-at-a-time script gains nothing from the worker thread, and under
  // `tsx scripts/…` the worker thread's read() never returned here (reported to the OCR owner).
  const ocr = await createOcr({ ...config.ocr, workerThread: false });
  const models = { detect: detector.model, attributes: recognizer.model, ocr: ocr.model };
  try {
    for (const row of selected) {
      const started = Date.now();
      const image = await decodeImage(join(sampleDir, row.file));
      const detect = await detector.detect(image);
      const attributes = await recognizer.describe(image, detect);
      const text = await ocr.read(image);
      const name = basename(row.file).replace(/\.[^.]+$/, '');
      const fixture = { file: row.file, captions: row.captions, detect, attributes, ocr: text };
      writeFileSync(join(outDir, `${name}.json`), JSON.stringify(fixture, null, 2) + '\n');
      const labels = detect.objects.map((o) => o.label).join(', ') || '-';
      const lines = text.lines.map((l) => l.text).join(' | ') || '-';
      console.log(`${name}: ${Date.now() - started} ms; objects: ${labels}; text: ${lines}`);
    }
  } finally {
    await Promise.all([detector.dispose(), recognizer.dispose(), ocr.dispose()]);
  }
  console.log(`models: ${JSON.stringify(models)}`);

  if (pinGolden) {
    const goldenPath = join(outDir, 'golden-grounded.json');
    const golden: Record<string, string> = {};
    for (const row of rows) {
      const name = basename(row.file).replace(/\.[^.]+$/, '');
      let fixture;
      try {
        fixture = JSON.parse(readFileSync(join(outDir, `${name}.json`), 'utf8'));
      } catch {
        continue; // no fixture for this image yet
      }
      golden[name] = groundedFuse(fixture.captions[0], buildFacts(fixture, { objects: true, attributes: true, ocr: true }));
      console.log(`${fixture.captions[0]}\n  → ${golden[name]}`);
    }
    writeFileSync(goldenPath, JSON.stringify(golden, null, 2) + '\n');
  }
}

await main();
