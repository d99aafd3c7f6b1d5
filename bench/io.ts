/**
 * bench:io — export and ingest speed and memory at scale, on the embedded PGlite database (the README's
 * default) or, with --database-url, on a PostgreSQL server. Generates N images (tiny distinct JPEG files) with an original caption, a fused caption and
 * the fuse stage result written as rows directly (no model work), in two datasets of `--small` and
 * `--rows` images. Each export (every format, both sizes) and the ingest of the large WebDataset export
 * run in a child process of their own, so each peak RSS is that run's alone.
 *
 * Figures: export rows/s and peak RSS per format and size (streaming means RSS at --rows stays close to
 * RSS at --small), ingest rows/s from the WebDataset shards. Last line: one JSON object.
 *
 * Wall-clock rows/s depend on what else the machine runs; rows per CPU-second (user + system time of the
 * measuring process) is the figure one otherwise idle core would give, and is printed beside it.
 *
 * With --database-url the bench's datasets (d<small>, d<rows>, reingested) in that database are replaced
 * (deleted first) unless --work names a folder this bench generated them from before.
 *
 *   npm run bench:io [-- --rows 100000 --small 10000] [--work DIR: generate there once, reuse after]
 *                    [--database-url postgres://…: measure on PostgreSQL instead of PGlite]
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { eq, inArray } from 'drizzle-orm';
import { openDatabase, type DatabaseTarget } from '../db/client.ts';
import { insertNewImages, insertOriginalCaptions, upsertDataset, upsertProducedCaptions, upsertStageResults } from '../db/queries/index.ts';
import { datasets } from '../db/schema/index.ts';
import { exportDataset, type ExportFormat } from '../export/index.ts';
import { ingestDataset } from '../ingest/ingest-dataset.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    small: { type: 'string', default: '10000' },
    child: { type: 'string' },
    work: { type: 'string' },
    dataset: { type: 'string' },
    format: { type: 'string' },
    'database-url': { type: 'string' },
  },
});

const databaseUrl = values['database-url'];
const target = (work: string): DatabaseTarget => (databaseUrl ? { url: databaseUrl, poolSize: 2 } : { pgliteDir: join(work, 'pglite') });
/** Written into the work dir once generation has finished, so a reuse never meets half-generated data. */
const GENERATED = 'generated.json';

const FORMATS: ExportFormat[] = ['jsonl', 'parquet', 'webdataset', 'coco'];

if (values.child) {
  // One measured run; prints {seconds, rows, maxRssMb}.
  const work = values.work!;
  const database = await openDatabase(target(work));
  let figures: Record<string, number>;
  const cpu0 = process.cpuUsage();
  if (values.child === 'export') {
    const result = await exportDataset(database.db, {
      datasetId: values.dataset!,
      format: values.format as ExportFormat,
      out: join(work, 'out', `${values.dataset}-${values.format}`),
      withExperts: false,
    });
    figures = { rows: result.records, seconds: result.seconds };
  } else {
    // A fresh dataset every time: re-ingesting images already there would measure a no-op.
    await database.db.delete(datasets).where(eq(datasets.id, 'reingested'));
    const started = performance.now();
    const result = await ingestDataset(database.db, {
      datasetId: 'reingested',
      root: join(work, 'out', `${values.dataset}-webdataset`),
      manifest: join(work, 'out', `${values.dataset}-webdataset`),
      blobDir: join(work, 'blobs'),
    });
    figures = { rows: result.entries, added: result.imagesAdded, seconds: (performance.now() - started) / 1000, issues: result.issues };
  }
  const cpu = process.cpuUsage(cpu0);
  figures.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  await database.close();
  console.log(JSON.stringify({ ...figures, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
  process.exit(0);
}

const rows = Number(values.rows);
const small = Number(values.small);
// --work DIR reuses the data a previous run generated there for the same sizes and database (and keeps
// it); otherwise a temp dir.
const marker = JSON.stringify({ rows, small, database: databaseUrl ?? 'pglite' });
const reuse =
  values.work !== undefined && existsSync(join(values.work, GENERATED)) && readFileSync(join(values.work, GENERATED), 'utf8') === marker;
const work = values.work ?? mkdtempSync(join(tmpdir(), 'fusecap-bench-io-'));
if (reuse) console.log(`reusing the generated data in ${work}`);
else await generate();

async function generate() {
  console.log(`work dir ${work}; generating ${small} + ${rows} images with captions and fused captions ...`);
  rmSync(join(work, GENERATED), { force: true });
  rmSync(join(work, 'pglite'), { recursive: true, force: true });

  // One tiny JPEG; each image file is it plus a unique trailer after the end marker (still a valid JPEG),
  // so every image has its own sha256 without encoding 110k JPEGs.
  const base = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#808080' } })
    .jpeg()
    .toBuffer();
  const database = await openDatabase(target(work));
  // On a server, earlier runs' datasets may be there (with roots in removed temp dirs): start clean.
  await database.db.delete(datasets).where(inArray(datasets.id, [`d${small}`, `d${rows}`, 'reingested']));
  const t0 = performance.now();
  for (const [datasetId, n] of [
    [`d${small}`, small],
    [`d${rows}`, rows],
  ] as const) {
    const root = join(work, datasetId);
    await upsertDataset(database.db, { id: datasetId, root, source: { kind: 'jsonl', manifest: 'generated' } });
    for (let start = 0; start < n; start += 2000) {
      const dir = join(root, 'images', String(start / 2000));
      mkdirSync(dir, { recursive: true });
      const imageRows = [];
      for (let i = start; i < Math.min(n, start + 2000); i++) {
        const bytes = Buffer.concat([base, Buffer.from(`${datasetId}-${i}`)]);
        const path = `images/${start / 2000}/${i}.jpg`;
        writeFileSync(join(root, path), bytes);
        const sha256 = sha256Hex(bytes);
        imageRows.push({
          id: `${datasetId}:${sha256.slice(0, 24)}`,
          datasetId,
          sha256,
          path,
          bytes: bytes.length,
          format: 'jpeg',
          width: 32,
          height: 24,
          split: i % 20 === 0 ? 'val' : 'train',
        });
      }
      await insertNewImages(database.db, { rows: imageRows });
      await insertOriginalCaptions(database.db, {
        rows: imageRows.map((r, j) => ({
          imageId: r.id,
          source: 'original' as const,
          text: `a gray picture number ${start + j}`,
          ordinal: 0,
        })),
      });
      const model = { modelId: 'fusecap/grounded', modelVersion: '3', paramsHash: '0123456789abcdef', runId: 'bench-run' };
      await upsertProducedCaptions(database.db, {
        rows: imageRows.map((r, j) => ({
          imageId: r.id,
          source: 'fused' as const,
          text: `a gray picture number ${start + j} with a small dark gray square in the center`,
          ...model,
        })),
      });
      await upsertStageResults(database.db, {
        rows: imageRows.map((r, j) => ({
          imageId: r.id,
          stage: 'fuse',
          ...model,
          params: { backend: 'grounded' },
          output: {
            caption: `a gray picture number ${start + j} with a small dark gray square in the center`,
            backend: 'grounded',
            model: { id: model.modelId, version: model.modelVersion },
            template: 'none',
            ablation: { objects: true, attributes: true, ocr: true },
            grounding: { score: 1, claims: 2, ungrounded: [] },
            decision: 'kept',
          },
        })),
      });
    }
  }
  await database.close();
  writeFileSync(join(work, GENERATED), marker);
  console.log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
rmSync(join(work, 'out'), { recursive: true, force: true });
rmSync(join(work, 'blobs'), { recursive: true, force: true });

const child = (args: string[]) =>
  JSON.parse(
    execFileSync(
      process.execPath,
      ['--import', 'tsx', import.meta.filename, '--work', work, ...(databaseUrl ? ['--database-url', databaseUrl] : []), ...args],
      { encoding: 'utf8' },
    )
      .trim()
      .split('\n')
      .pop()!,
  ) as { rows: number; seconds: number; cpuSeconds: number; maxRssMb: number; issues?: number; added?: number };

const result: Record<string, unknown> = {
  rows,
  small,
  database: databaseUrl ? 'postgresql' : 'pglite',
  export: {} as Record<string, unknown>,
};
for (const format of FORMATS) {
  const figures: Record<string, number> = {};
  for (const n of [small, rows]) {
    const r = child(['--child', 'export', '--dataset', `d${n}`, '--format', format]);
    if (r.rows !== n) throw new Error(`${format} exported ${r.rows} of ${n} rows`);
    figures[`rowsPerSec_${n}`] = Math.round(r.rows / r.seconds);
    figures[`rowsPerCpuSec_${n}`] = Math.round(r.rows / r.cpuSeconds);
    figures[`maxRssMb_${n}`] = r.maxRssMb;
    console.log(
      `export ${format.padEnd(10)} ${String(n).padStart(7)} rows: ${Math.round(r.rows / r.seconds)} rows/s wall, ` +
        `${Math.round(r.rows / r.cpuSeconds)} rows per CPU-second, peak RSS ${r.maxRssMb} MB`,
    );
  }
  figures.rssRatio = Number((figures[`maxRssMb_${rows}`] / figures[`maxRssMb_${small}`]).toFixed(2));
  (result.export as Record<string, unknown>)[format] = figures;
}
const ingest = child(['--child', 'ingest', '--dataset', `d${rows}`]);
console.log(
  `ingest from WebDataset shards ${ingest.rows} rows: ${Math.round(ingest.rows / ingest.seconds)} rows/s wall, ` +
    `${Math.round(ingest.rows / ingest.cpuSeconds)} rows per CPU-second, peak RSS ${ingest.maxRssMb} MB`,
);
result.ingestWebdataset = {
  rows: ingest.rows,
  imagesAdded: ingest.added,
  rowsPerSec: Math.round(ingest.rows / ingest.seconds),
  rowsPerCpuSec: Math.round(ingest.rows / ingest.cpuSeconds),
  maxRssMb: ingest.maxRssMb,
  issues: ingest.issues,
};
// Load on a shared machine slows wall-clock figures; rows per CPU-second is what one idle core would do.
result.loadAverage = Number(loadavg()[0].toFixed(1));
if (!values.work) rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify(result));

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
