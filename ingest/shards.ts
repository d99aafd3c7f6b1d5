/**
 * Reading shard sources into samples: WebDataset tar shards (img2dataset's layout: `{key}.jpg|png|…`,
 * `{key}.txt`, `{key}.json` consecutive in the tar) and Parquet files (one row per image: Hugging Face
 * datasets' `image: {bytes, path}` struct, a binary image column, or a path / URL column; captions in
 * `caption` / `text` / `captions` / `original_captions` / `sentences`).
 *
 * Both are streamed: a tar member at a time, a Parquet row group at a time. Problems are per item and the
 * reading goes on: a truncated tar keeps the samples before the cut, a sample without an image or
 * without a caption, a link member, an unreadable row group, a row with neither bytes nor a readable
 * path: each an issue with a stable code.
 */
import { createReadStream, realpathSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import tar from 'tar-stream';
import type { ImageOrigin } from '../db/schema/index.ts';
import { ManifestError, type ManifestIssue } from './manifest.ts';

export interface ShardSample {
  location: string;
  /** The image bytes (shard members, Parquet bytes) or a file inside the root (Parquet path rows). */
  bytes?: Buffer;
  file?: string;
  /** File extension to store the bytes under (jpg, png, …). */
  ext: string;
  captions: string[];
  split?: string;
  origin: ImageOrigin;
}

export type ShardIssue = Omit<ManifestIssue, 'code'> & {
  code:
    | ManifestIssue['code']
    | 'truncated_shard'
    | 'missing_image'
    | 'missing_caption'
    | 'link_member'
    | 'unreadable_shard'
    | 'unreadable_row_group'
    | 'remote_image';
};

const IMAGE_EXTS = ['jpg', 'jpeg', 'png', 'webp', 'gif', 'tif', 'tiff', 'bmp', 'avif'];

/** True for what this module reads: a .tar or .parquet file, or a folder (of shards). */
export async function isShardSource(path: string): Promise<boolean> {
  if (/\.(tar|parquet)$/i.test(path)) return true;
  try {
    return (await lstat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The shard files of a source, sorted by name: the file itself, or the .tar / .parquet files directly
 * in a folder. A symlink whose target lies outside the folder is never followed (an issue instead).
 */
export async function listShards(source: string, issues: ShardIssue[]): Promise<string[]> {
  const path = resolve(source);
  let info;
  try {
    info = await lstat(path);
  } catch (error) {
    throw new ManifestError(`cannot read shard source ${path}: ${(error as Error).message}`);
  }
  if (!info.isDirectory()) return [path];
  const root = realpathSync(path);
  const out: string[] = [];
  for (const name of (await readdir(path)).sort()) {
    if (!/\.(tar|parquet)$/i.test(name)) continue;
    const file = join(path, name);
    const entry = await lstat(file);
    if (entry.isSymbolicLink()) {
      let target: string;
      try {
        target = realpathSync(file);
      } catch {
        issues.push({ location: name, file: name, code: 'missing_file', message: `${name} is a dangling symlink` });
        continue;
      }
      if (!isInside(root, target)) {
        issues.push({
          location: name,
          file: name,
          code: 'path_escapes_root',
          message: `${name} is a symlink to ${target}, outside ${root}`,
        });
        continue;
      }
    } else if (!entry.isFile()) continue;
    out.push(file);
  }
  if (out.length === 0) throw new ManifestError(`no .tar or .parquet shards in ${path}`);
  return out;
}

export function isInside(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel !== '' && !rel.startsWith('..') && !rel.split(sep).includes('..') && !rel.startsWith(sep);
}

export function readShard(file: string, root: string, issues: ShardIssue[]): AsyncGenerator<ShardSample> {
  return /\.parquet$/i.test(file) ? readParquet(file, root, issues) : readTar(file, issues);
}

interface Pending {
  key: string;
  members: Map<string, Buffer>;
}

/** WebDataset: members grouped by key (the name up to the first dot of its basename). */
export async function* readTar(file: string, issues: ShardIssue[]): AsyncGenerator<ShardSample> {
  const shard = basename(file);
  const extract = tar.extract();
  const input = createReadStream(file);
  input.on('error', (error) => extract.destroy(error));
  input.pipe(extract);
  let pending: Pending | null = null;
  try {
    for await (const entry of extract) {
      const { name, type } = entry.header;
      if (type === 'symlink' || type === 'link') {
        issues.push({
          location: `${shard}:${name}`,
          file: name,
          code: 'link_member',
          message: `${type} member ${name} → ${entry.header.linkname} is not followed`,
        });
        entry.resume();
        continue;
      }
      if (type !== 'file' && type !== 'contiguous-file') {
        entry.resume();
        continue;
      }
      const slash = name.lastIndexOf('/');
      const dot = name.indexOf('.', slash + 1);
      if (dot < 0) {
        entry.resume(); // no extension: not part of a sample
        continue;
      }
      const key = name.slice(0, dot);
      const ext = name.slice(dot + 1).toLowerCase();
      // A new key closes the previous sample before this member's body is read: if the tar ends inside
      // this body, only this (incomplete) sample is lost.
      if (pending && pending.key !== key) {
        const sample = tarSample(shard, file, pending, issues);
        if (sample) yield sample;
        pending = null;
      }
      pending ??= { key, members: new Map() };
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      pending.members.set(ext, Buffer.concat(chunks));
    }
  } catch (error) {
    issues.push({
      location: shard,
      file: shard,
      code: 'truncated_shard',
      message: `${shard} ends early (${(error as Error).message})${pending ? `; its last sample ${pending.key} is incomplete and skipped` : ''}`,
    });
    pending = null;
  } finally {
    input.destroy();
  }
  if (pending) {
    const sample = tarSample(shard, file, pending, issues);
    if (sample) yield sample;
  }
}

function tarSample(shard: string, file: string, p: Pending, issues: ShardIssue[]): ShardSample | null {
  const location = `${shard}:${p.key}`;
  const imageExt = IMAGE_EXTS.find((e) => p.members.has(e));
  let meta: Record<string, unknown> = {};
  const json = p.members.get('json');
  if (json) {
    try {
      meta = JSON.parse(json.toString('utf8')) as Record<string, unknown>;
    } catch (error) {
      issues.push({ location, file: `${p.key}.json`, code: 'bad_line', message: `${p.key}.json is not JSON: ${(error as Error).message}` });
    }
  }
  if (!imageExt) {
    issues.push({
      location,
      file: p.key,
      code: 'missing_image',
      message: `sample ${p.key} has no image member (${IMAGE_EXTS.join(', ')})`,
    });
    return null;
  }
  // A fusecap export's record keeps every original caption; else the .txt, else img2dataset's json caption.
  const txt = p.members.get('txt')?.toString('utf8');
  const captions = stringList(meta.original_captions) ?? (txt !== undefined ? [txt] : (stringList(meta.caption) ?? []));
  const url = typeof meta.url === 'string' ? meta.url : undefined;
  return {
    location,
    bytes: p.members.get(imageExt)!,
    ext: imageExt === 'jpeg' ? 'jpg' : imageExt,
    captions,
    split: typeof meta.split === 'string' ? meta.split : undefined,
    origin: { kind: 'webdataset', shard: file, key: p.key, ...(url ? { url } : {}) },
  };
}

function stringList(v: unknown): string[] | undefined {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  return undefined;
}

const decoder = new TextDecoder('utf-8', { fatal: false });
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : v instanceof Uint8Array ? decoder.decode(v) : undefined);
const bytesOf = (v: unknown): Buffer | undefined =>
  v instanceof Uint8Array && !(typeof v === 'string') ? Buffer.from(v.buffer, v.byteOffset, v.byteLength) : undefined;

/** Parquet: one row group at a time; a row group that cannot be decoded is an issue, the next one is read. */
export async function* readParquet(file: string, root: string, issues: ShardIssue[]): AsyncGenerator<ShardSample> {
  const shard = basename(file);
  let metadata: FileMetaData;
  let buffer;
  try {
    buffer = await asyncBufferFromFile(file);
    metadata = await parquetMetadataAsync(buffer);
  } catch (error) {
    issues.push({
      location: shard,
      file: shard,
      code: 'unreadable_shard',
      message: `${shard} is not a readable Parquet file: ${(error as Error).message}`,
    });
    return;
  }
  let rowStart = 0;
  for (const [g, group] of metadata.row_groups.entries()) {
    const rowEnd = rowStart + Number(group.num_rows);
    let rows: Record<string, unknown>[];
    try {
      rows = await parquetReadObjects({ file: buffer, metadata, rowStart, rowEnd, compressors, utf8: false });
    } catch (error) {
      issues.push({
        location: `${shard}:row_group[${g}]`,
        file: shard,
        code: 'unreadable_row_group',
        message: `rows ${rowStart}-${rowEnd - 1} of ${shard} cannot be decoded: ${(error as Error).message}`,
      });
      rowStart = rowEnd;
      continue;
    }
    for (const [i, row] of rows.entries()) {
      const sample = parquetSample(shard, file, root, rowStart + i, row, issues);
      if (sample) yield sample;
    }
    rowStart = rowEnd;
  }
}

function parquetSample(
  shard: string,
  file: string,
  root: string,
  rowNumber: number,
  row: Record<string, unknown>,
  issues: ShardIssue[],
): ShardSample | null {
  const location = `${shard}:${rowNumber}`;
  const image = row.image as { bytes?: unknown; path?: unknown } | Uint8Array | null | undefined;
  const struct = image && !(image instanceof Uint8Array) ? image : undefined;
  const bytes = bytesOf(image) ?? bytesOf(struct?.bytes) ?? bytesOf(row.jpg) ?? bytesOf(row.png) ?? bytesOf(row.image_bytes);
  const path = text(row.path) ?? text(row.file) ?? text(row.file_name) ?? text(row.image_path) ?? text(struct?.path);
  const url = text(row.url);
  const captions =
    stringList(row.original_captions) ??
    stringList(row.captions) ??
    stringList(text(row.caption)) ??
    stringList(text(row.text)) ??
    stringList(row.sentences) ??
    [];
  const key = text(row.key) ?? String(rowNumber);
  const origin: ImageOrigin = { kind: 'parquet', shard: file, key, ...(url ? { url } : {}) };
  const split = text(row.split);
  if (bytes) return { location, bytes, ext: sniffExtension(bytes, path), captions, split, origin };
  if (path && !/^[a-z]+:\/\//i.test(path)) {
    return { location, file: path, ext: path.split('.').pop()?.toLowerCase() ?? 'bin', captions, split, origin };
  }
  if (url || path) {
    issues.push({
      location,
      file: url ?? path,
      code: 'remote_image',
      message: `row ${rowNumber} names only a URL (${url ?? path}); fusecap does not download images: fetch them first (img2dataset) and ingest the shards`,
    });
    return null;
  }
  issues.push({ location, code: 'missing_image', message: `row ${rowNumber} has no image bytes, path or URL` });
  return null;
}

/** The image type from its first bytes (Parquet rows rarely say), else the path's extension. */
export function sniffExtension(bytes: Buffer, path?: string): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]))) return 'png';
  if (bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (bytes.subarray(0, 3).toString('latin1') === 'GIF') return 'gif';
  return path?.split('.').pop()?.toLowerCase() ?? 'bin';
}
