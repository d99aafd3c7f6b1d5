/**
 * Ingest of shard sources (WebDataset tar, Parquet; a file or a folder of them) into images + original
 * captions, with the same identity as every other source: content sha256, so an image already ingested
 * from a folder (or another shard) is the same image and only gains the captions it did not have.
 *
 * Where shard images live: extracted once into a content-addressed store, `<blobDir>/<sha[0:2]>/<sha>.<ext>`
 * (blobDir = `<state dir>/blobs`), and `images.path` is that absolute path. Every stage then reads a
 * plain file as it does for folder datasets — no stage knows about tar offsets, random access costs one
 * open(), a shard can be moved or deleted after ingest, and the same bytes in many shards are stored once.
 * The price is a second copy of the images on disk; `images.origin` keeps the shard and key (and URL)
 * each image came from, for provenance and export.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Db } from '../db/client.ts';
import { insertNewImages, insertOriginalCaptions, recordIngestIssues, upsertDataset } from '../db/queries/index.ts';
import type { NewCaption, NewImage } from '../db/schema/index.ts';
import { imageIdFor, resolveInside, type IngestResult } from './ingest-dataset.ts';
import { isInside, listShards, readShard, type ShardIssue, type ShardSample } from './shards.ts';

export interface ShardIngestInput {
  datasetId: string;
  /** A .tar / .parquet file or a folder of them. */
  source: string;
  /** Folder Parquet path columns are relative to (default: the source folder). */
  root: string;
  /** Content-addressed image store. */
  blobDir: string;
}

const BATCH = 256;

export async function ingestShards(
  db: Db,
  input: ShardIngestInput,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<IngestResult> {
  const issues: ShardIssue[] = [];
  const shards = await listShards(input.source, issues);
  const root = resolve(input.root);
  await upsertDataset(db, {
    id: input.datasetId,
    root,
    source: { kind: /\.parquet$/i.test(shards[0]) ? 'parquet' : 'webdataset', manifest: resolve(input.source) },
  });
  mkdirSync(input.blobDir, { recursive: true });
  const result: IngestResult = {
    datasetId: input.datasetId,
    entries: 0,
    imagesAdded: 0,
    imagesKnown: 0,
    captionsAdded: 0,
    issues: 0,
    issuesByCode: {},
  };
  // sha256 → captions already given to it in this ingest, so duplicates merge onto the first copy.
  const ordinals = new Map<string, number>();
  let batch: ShardSample[] = [];
  const flush = async () => {
    const imageRows: NewImage[] = [];
    const captionRows: NewCaption[] = [];
    for (const sample of batch) {
      const stored = await storeSample(sample, root, input.blobDir, issues);
      if (!stored) continue;
      const id = imageIdFor(input.datasetId, stored.sha256);
      const captions = cleanCaptions(sample, issues);
      const base = ordinals.get(stored.sha256);
      if (base !== undefined) {
        issues.push({
          location: sample.location,
          file: sample.origin.key,
          code: 'duplicate_image',
          message: `same content as an earlier sample; captions merged onto it`,
        });
      } else {
        imageRows.push({
          id,
          datasetId: input.datasetId,
          sha256: stored.sha256,
          path: stored.path,
          bytes: stored.bytes,
          split: sample.split ?? null,
          origin: sample.origin,
        });
      }
      captions.forEach((text, i) => captionRows.push({ imageId: id, source: 'original', text, ordinal: (base ?? 0) + i }));
      ordinals.set(stored.sha256, (base ?? 0) + captions.length);
    }
    const added = await insertNewImages(db, { rows: imageRows });
    result.imagesAdded += added.length;
    result.imagesKnown += imageRows.length - added.length;
    result.captionsAdded += await insertOriginalCaptions(db, { rows: captionRows });
    result.entries += batch.length;
    batch = [];
  };
  for (const [s, shard] of shards.entries()) {
    for await (const sample of readShard(shard, root, issues)) {
      batch.push(sample);
      if (batch.length >= BATCH) {
        await flush();
        onProgress(s, shards.length);
      }
    }
  }
  await flush();
  onProgress(shards.length, shards.length);
  await recordIngestIssues(db, { datasetId: input.datasetId, issues });
  result.issues = issues.length;
  for (const issue of issues) result.issuesByCode[issue.code] = (result.issuesByCode[issue.code] ?? 0) + 1;
  return result;
}

/** Bytes into the content store (written once, atomically); a path row is read from inside the root. */
async function storeSample(sample: ShardSample, root: string, blobDir: string, issues: ShardIssue[]) {
  let bytes = sample.bytes;
  if (!bytes) {
    const absolute = resolveInside(root, sample.file!);
    let real: string | null = null;
    try {
      real = absolute ? realpathSync(absolute) : null;
    } catch (error) {
      issues.push({
        location: sample.location,
        file: sample.file,
        code: 'missing_file',
        message: `cannot read ${sample.file}: ${(error as Error).message}`,
      });
      return null;
    }
    if (!absolute || !real || !isInside(realpathSync(root), real)) {
      issues.push({
        location: sample.location,
        file: sample.file,
        code: 'path_escapes_root',
        message: `"${sample.file}" points outside the root ${root}`,
      });
      return null;
    }
    bytes = await readFile(real);
  }
  if (bytes.length === 0) {
    issues.push({ location: sample.location, file: sample.origin.key, code: 'missing_image', message: 'the image member is empty' });
    return null;
  }
  const sha256 = sha256Hex(bytes);
  const dir = join(blobDir, sha256.slice(0, 2));
  const path = join(dir, `${sha256}.${sample.ext}`);
  if (!existsSync(path)) {
    mkdirSync(dir, { recursive: true });
    const temp = `${path}.${process.pid}.part`;
    await writeFile(temp, bytes);
    await rename(temp, path);
  }
  return { sha256, path, bytes: bytes.length };
}

function cleanCaptions(sample: ShardSample, issues: ShardIssue[]): string[] {
  const kept: string[] = [];
  sample.captions.forEach((caption, i) => {
    const location = `${sample.location} caption ${i}`;
    if (caption.includes('\uFFFD')) {
      issues.push({ location, file: sample.origin.key, code: 'invalid_utf8', message: 'caption is not valid UTF-8; dropped' });
    } else if (caption.trim() === '') {
      issues.push({ location, file: sample.origin.key, code: 'empty_caption', message: 'caption is empty; dropped' });
    } else kept.push(caption.trim().replace(/\s+/g, ' '));
  });
  if (kept.length === 0 && sample.captions.length === 0) {
    issues.push({
      location: sample.location,
      file: sample.origin.key,
      code: 'missing_caption',
      message: 'sample has no caption (.txt, json caption or caption column); image ingested without one',
    });
  }
  return kept;
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
