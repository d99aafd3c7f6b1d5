/**
 * Parquet: one row per image, flat columns (lists of strings as Parquet LISTs, nested expert outputs as
 * JSON text) so pyarrow, pandas, DuckDB and Hugging Face `datasets` read it without extension types.
 * `shardSize` rows per `data/{dataset}-{00000}.parquet`, row groups of `ROW_GROUP` rows written as they
 * fill (hyparquet-writer's incremental ParquetWriter), so memory holds one row group, never the table.
 * With `withImages`, an `image` struct {bytes, path} column holds the image bytes: the layout of HF
 * datasets' `Image` feature.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ParquetWriter, fileWriter, type ColumnSource, type SchemaElement } from 'hyparquet-writer';
import type { ExportRecord } from './records.ts';
import { shardName, type FormatWriter, type WriterContext, type WriterImage } from './writer.ts';

const ROW_GROUP = 5000;
const ROW_GROUP_WITH_IMAGES = 256;

type Kind = 'string' | 'int32' | 'int64' | 'double' | 'strings' | 'json';
interface Column {
  name: string;
  kind: Kind;
  required?: boolean;
  value(record: ExportRecord): unknown;
}

const COLUMNS: Column[] = [
  { name: 'key', kind: 'string', required: true, value: (r) => r.key },
  { name: 'image_id', kind: 'string', required: true, value: (r) => r.image_id },
  { name: 'dataset', kind: 'string', required: true, value: (r) => r.dataset },
  { name: 'path', kind: 'string', required: true, value: (r) => r.path },
  { name: 'origin', kind: 'json', value: (r) => r.origin },
  { name: 'url', kind: 'string', value: (r) => r.url },
  { name: 'sha256', kind: 'string', required: true, value: (r) => r.sha256 },
  { name: 'bytes', kind: 'int64', required: true, value: (r) => BigInt(r.bytes) },
  { name: 'format', kind: 'string', value: (r) => r.format },
  { name: 'width', kind: 'int32', value: (r) => r.width },
  { name: 'height', kind: 'int32', value: (r) => r.height },
  { name: 'split', kind: 'string', value: (r) => r.split },
  { name: 'original_captions', kind: 'strings', required: true, value: (r) => r.original_captions },
  { name: 'caption', kind: 'string', required: true, value: (r) => r.caption },
  { name: 'caption_source', kind: 'string', required: true, value: (r) => r.caption_source },
  { name: 'model_id', kind: 'string', required: true, value: (r) => r.model_id },
  { name: 'model_version', kind: 'string', required: true, value: (r) => r.model_version },
  { name: 'params_hash', kind: 'string', required: true, value: (r) => r.params_hash },
  { name: 'run_id', kind: 'string', value: (r) => r.run_id },
  { name: 'fuser', kind: 'string', value: (r) => r.fuser },
  { name: 'prompt_template', kind: 'string', value: (r) => r.prompt_template },
  { name: 'grounding_score', kind: 'double', value: (r) => r.grounding_score },
  { name: 'grounding_claims', kind: 'int32', value: (r) => r.grounding_claims },
  { name: 'ungrounded', kind: 'json', value: (r) => r.ungrounded },
  { name: 'decision', kind: 'string', value: (r) => r.decision },
];

const EXPERT_COLUMNS: Column[] = [
  { name: 'objects', kind: 'json', value: (r) => r.objects },
  { name: 'attributes', kind: 'json', value: (r) => r.attributes },
  { name: 'ocr_lines', kind: 'strings', value: (r) => r.ocr_lines },
];

function schemaOf(columns: Column[], withImages: boolean): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length + (withImages ? 1 : 0) }];
  for (const c of columns) {
    const repetition_type = c.required ? 'REQUIRED' : 'OPTIONAL';
    if (c.kind === 'strings') {
      schema.push(
        { name: c.name, repetition_type, converted_type: 'LIST', num_children: 1 },
        { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
        { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      );
    } else if (c.kind === 'int32') schema.push({ name: c.name, type: 'INT32', repetition_type });
    else if (c.kind === 'int64') schema.push({ name: c.name, type: 'INT64', repetition_type });
    else if (c.kind === 'double') schema.push({ name: c.name, type: 'DOUBLE', repetition_type });
    else schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type });
  }
  if (withImages) {
    schema.push(
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    );
  }
  return schema;
}

export async function parquetWriter(ctx: WriterContext): Promise<FormatWriter> {
  const columns = ctx.withExperts ? [...COLUMNS, ...EXPERT_COLUMNS] : COLUMNS;
  const schema = schemaOf(columns, ctx.withImages);
  const rowGroup = ctx.withImages ? ROW_GROUP_WITH_IMAGES : ROW_GROUP;
  const files: string[] = [];
  const dropped: Record<string, number> = {};
  await mkdir(join(ctx.dir, 'data'), { recursive: true });
  let writer: ParquetWriter | null = null;
  let rowsInShard = 0;
  let shard = 0;
  let buffer: unknown[][] = columns.map(() => []);
  let images: ({ bytes: Uint8Array; path: string } | null)[] = [];

  const flushGroup = async () => {
    if (!writer || buffer[0].length === 0) return;
    const columnData: ColumnSource[] = columns.map((c, i) => ({ name: c.name, data: buffer[i] as never }));
    if (ctx.withImages) columnData.push({ name: 'image', data: images as never });
    await writer.write({ columnData, rowGroupSize: rowGroup });
    buffer = columns.map(() => []);
    images = [];
  };
  const closeShard = async () => {
    if (!writer) return;
    await flushGroup();
    await writer.finish();
    writer = null;
  };

  return {
    dropped,
    async add(record: ExportRecord, image: WriterImage) {
      let bytes: Buffer | null = null;
      if (ctx.withImages) {
        try {
          bytes = await readFile(ctx.imagePath(image));
        } catch {
          dropped.missing_image = (dropped.missing_image ?? 0) + 1;
          return;
        }
      }
      if (!writer) {
        const name = `data/${shardName(ctx.datasetId, shard++, 'parquet')}`;
        writer = new ParquetWriter({ writer: fileWriter(join(ctx.dir, name)), schema, createdBy: 'fusecap' });
        files.push(name);
        rowsInShard = 0;
      }
      columns.forEach((c, i) => {
        const v = c.value(record);
        buffer[i].push(c.kind === 'json' ? (v === null || v === undefined ? null : JSON.stringify(v)) : (v ?? null));
      });
      if (ctx.withImages) images.push({ bytes: bytes!, path: record.path.split('/').pop()! });
      rowsInShard++;
      if (buffer[0].length >= rowGroup) await flushGroup();
      if (rowsInShard >= ctx.shardSize) await closeShard();
    },
    async finish() {
      await closeShard();
      return files;
    },
  };
}
