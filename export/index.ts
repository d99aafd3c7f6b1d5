/**
 * `exportDataset`: a dataset's images with their captions and provenance, out as JSONL, COCO captions
 * JSON, WebDataset tar shards or Parquet. Streams pages of records (export/records.ts) into one format
 * writer inside a staging folder that becomes the output only when complete (export/files.ts). The same
 * data gives the same bytes: records come in seq order, keys are running numbers, no clock is written.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Db } from '../db/client.ts';
import { getDataset, runsById } from '../db/queries/index.ts';
import { datasetCard } from './card.ts';
import { cocoWriter } from './coco.ts';
import { writeAtomically } from './files.ts';
import { jsonlWriter } from './jsonl.ts';
import { parquetWriter } from './parquet.ts';
import { CAPTION_SOURCES, readRecords, type CaptionSource, type RecordFilter, type SkipCounts } from './records.ts';
import { webdatasetWriter } from './webdataset.ts';
import type { FormatWriter, WriterContext } from './writer.ts';

export const EXPORT_FORMATS = ['jsonl', 'coco', 'webdataset', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions extends Omit<RecordFilter, 'captions'> {
  format: ExportFormat;
  out: string;
  captions?: CaptionSource;
  /** Records per WebDataset / Parquet shard (default 10,000, img2dataset's default). */
  shardSize?: number;
  /** Parquet: embed image bytes (HF `image` column). */
  withImages?: boolean;
  /** Licence field of the dataset card (default "unknown"). */
  license?: string;
}

export interface ExportResult {
  datasetId: string;
  format: ExportFormat;
  out: string;
  records: number;
  scanned: number;
  skipped: SkipCounts;
  dropped: Record<string, number>;
  files: string[];
  seconds: number;
}

export class ExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportError';
  }
}

const WRITERS: Record<ExportFormat, (ctx: WriterContext) => Promise<FormatWriter>> = {
  jsonl: jsonlWriter,
  coco: cocoWriter,
  webdataset: webdatasetWriter,
  parquet: parquetWriter,
};

export function validateExportOptions(options: ExportOptions): void {
  if (!EXPORT_FORMATS.includes(options.format)) {
    throw new ExportError(`unknown export format "${options.format}"; formats: ${EXPORT_FORMATS.join(', ')}`);
  }
  if (options.captions !== undefined && !CAPTION_SOURCES.includes(options.captions)) {
    throw new ExportError(`unknown caption source "${options.captions}"; sources: ${CAPTION_SOURCES.join(', ')}`);
  }
  if (options.only !== undefined && !['kept', 'grounded'].includes(options.only)) {
    throw new ExportError(`unknown --only "${options.only}"; allowed: kept, grounded`);
  }
  if (options.only !== undefined && (options.captions ?? 'fused') !== 'fused') {
    throw new ExportError('--only kept|grounded applies to fused captions only');
  }
  const shard = options.shardSize ?? 10_000;
  if (!Number.isInteger(shard) || shard < 1) throw new ExportError(`shard size must be a positive integer, got ${options.shardSize}`);
}

export async function exportDataset(
  db: Db,
  options: ExportOptions,
  onProgress: (records: number, scanned: number) => void = () => {},
): Promise<ExportResult> {
  validateExportOptions(options);
  const started = performance.now();
  const dataset = await getDataset(db, { id: options.datasetId });
  if (!dataset) throw new ExportError(`unknown dataset "${options.datasetId}"`);
  const captions = options.captions ?? 'fused';
  const filter: RecordFilter = { ...options, captions };
  const skipped: SkipCounts = { no_caption: 0, not_kept: 0, not_grounded: 0 };
  const out = resolve(options.out);
  return writeAtomically(out, async (dir) => {
    const writer = await WRITERS[options.format]({
      dir,
      datasetId: options.datasetId,
      shardSize: options.shardSize ?? 10_000,
      imagePath: (image) => resolve(dataset.root, image.path),
      withImages: options.withImages ?? false,
      withExperts: options.withExperts,
    });
    let records = 0;
    let scanned = 0;
    const splits = new Map<string, number>();
    const models = new Map<string, number>();
    const templates = new Map<string, number>();
    const decisions = new Map<string, number>();
    const runIds = new Set<string>();
    const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
    for await (const page of readRecords(db, filter, skipped)) {
      for (const { record, image } of page.records) {
        await writer.add(record, image);
        bump(splits, record.split ?? '(none)');
        bump(models, record.model_id ? `${record.model_id}@${record.model_version}` : '');
        if (record.prompt_template) bump(templates, record.prompt_template);
        if (record.decision) bump(decisions, record.decision);
        if (record.run_id) runIds.add(record.run_id);
      }
      records += page.records.length;
      scanned += page.scanned;
      onProgress(records, scanned);
    }
    const files = await writer.finish();
    const dropped = writer.dropped;
    const written = records - Object.values(dropped).reduce((a, b) => a + b, 0);
    if (options.format === 'parquet') {
      const card = datasetCard({
        datasetId: options.datasetId,
        license: options.license ?? 'unknown',
        sourceKind: dataset.source.kind,
        captions,
        records: written,
        scanned,
        skipped: { ...skipped },
        dropped,
        splits,
        models,
        templates,
        decisions,
        runs: await runsById(db, { ids: [...runIds].sort() }),
        files,
      });
      await writeFile(join(dir, 'README.md'), card);
      files.push('README.md');
    }
    return {
      datasetId: options.datasetId,
      format: options.format,
      out,
      records: written,
      scanned,
      skipped,
      dropped,
      files,
      seconds: (performance.now() - started) / 1000,
    };
  });
}
