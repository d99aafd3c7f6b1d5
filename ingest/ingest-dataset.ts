/**
 * Ingest: manifest → images + original captions in the database, identified by content sha256.
 * Idempotent: re-ingesting changes nothing; a manifest that grew adds only the new images (and they get
 * higher `seq` numbers, which is how scheduled enrichment finds them).
 */
import { stat } from 'node:fs/promises';
import { relative, resolve } from 'node:path';
import type { Db } from '../db/client.ts';
import { insertNewImages, insertOriginalCaptions, recordIngestIssues, upsertDataset } from '../db/queries/index.ts';
import type { NewCaption, NewImage } from '../db/schema/index.ts';
import { sha256File } from '../lib/hash.ts';
import { isInside, realPathInside } from '../lib/dataset-paths.ts';
import { ingestShards } from './ingest-shards.ts';
import { type ManifestEntry, type ManifestIssue, ManifestError, readManifest, detectFormat } from './manifest.ts';
import { isShardSource } from './shards.ts';

export interface IngestInput {
  datasetId: string;
  /** Folder the manifest's paths are relative to (default: the manifest's folder). */
  root: string;
  /** A manifest (.jsonl, .csv, COCO .json), or a shard source: a .tar / .parquet file or a folder of them. */
  manifest: string;
  /** Content-addressed store that shard images are extracted into (`<state dir>/blobs`). */
  blobDir?: string;
}

export interface IngestResult {
  datasetId: string;
  entries: number;
  imagesAdded: number;
  imagesKnown: number;
  captionsAdded: number;
  issues: number;
  issuesByCode: Record<string, number>;
}

const DATASET_ID = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function validateDatasetId(id: string): void {
  if (!DATASET_ID.test(id)) {
    throw new Error(`invalid dataset id "${id}": use 1-63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit`);
  }
}

export function imageIdFor(datasetId: string, sha256: string): string {
  return `${datasetId}:${sha256.slice(0, 24)}`;
}

/** Resolves a manifest path inside root by name; null when it escapes (../, absolute paths elsewhere). Links: see lib/paths.ts. */
export function resolveInside(root: string, file: string): string | null {
  const absolute = resolve(root, file);
  return isInside(root, absolute) ? absolute : null;
}

export async function ingestDataset(
  db: Db,
  input: IngestInput,
  onProgress: (done: number, total: number) => void = () => {},
): Promise<IngestResult> {
  validateDatasetId(input.datasetId);
  const root = resolve(input.root);
  const manifestPath = resolve(input.manifest);
  if (await isShardSource(manifestPath)) {
    if (!input.blobDir) throw new ManifestError(`ingesting shards (${manifestPath}) needs a blob store folder`);
    return ingestShards(db, { datasetId: input.datasetId, source: manifestPath, root, blobDir: input.blobDir }, onProgress);
  }
  const format = detectFormat(manifestPath);
  // Parsing happens before anything is written: a malformed manifest throws here and nothing changes.
  const { entries, issues } = readManifest(manifestPath, format);
  await upsertDataset(db, { id: input.datasetId, root, source: { kind: format, manifest: manifestPath } });

  const seen = new Map<string, string>(); // sha256 → image id, to merge duplicates within this ingest
  let imagesAdded = 0;
  let imagesKnown = 0;
  let captionsAdded = 0;
  const chunkSize = 256;
  for (let start = 0; start < entries.length; start += chunkSize) {
    const chunk = entries.slice(start, start + chunkSize);
    const hashed = await mapLimit(chunk, 4, (entry) => hashEntry(root, entry, issues));
    const imageRows: NewImage[] = [];
    const captionRows: NewCaption[] = [];
    for (const item of hashed) {
      if (!item) continue;
      const { entry, sha256, bytes, path } = item;
      const id = imageIdFor(input.datasetId, sha256);
      const firstFile = seen.get(sha256);
      if (firstFile !== undefined) {
        issues.push({
          location: entry.location,
          file: entry.file,
          code: 'duplicate_image',
          message: `same content as ${firstFile}; captions merged onto it`,
        });
      } else {
        seen.set(sha256, entry.file);
        imageRows.push({ id, datasetId: input.datasetId, sha256, path, bytes, split: entry.split ?? null });
      }
      // Ordinals continue after a duplicate's, so merged captions don't collide on the unique key.
      const base = captionRows.filter((c) => c.imageId === id).length;
      entry.captions.forEach((text, i) => captionRows.push({ imageId: id, source: 'original', text, ordinal: base + i }));
    }
    const added = await insertNewImages(db, { rows: imageRows });
    imagesAdded += added.length;
    imagesKnown += imageRows.length - added.length;
    captionsAdded += await insertOriginalCaptions(db, { rows: captionRows });
    onProgress(Math.min(start + chunkSize, entries.length), entries.length);
  }
  await recordIngestIssues(db, { datasetId: input.datasetId, issues });
  const issuesByCode: Record<string, number> = {};
  for (const issue of issues) issuesByCode[issue.code] = (issuesByCode[issue.code] ?? 0) + 1;
  return {
    datasetId: input.datasetId,
    entries: entries.length,
    imagesAdded,
    imagesKnown,
    captionsAdded,
    issues: issues.length,
    issuesByCode,
  };
}

async function hashEntry(root: string, entry: ManifestEntry, issues: ManifestIssue[]) {
  const escapes = (how: string) => {
    issues.push({ location: entry.location, file: entry.file, code: 'path_escapes_root', message: `"${entry.file}" ${how} ${root}` });
    return null;
  };
  const absolute = resolveInside(root, entry.file);
  if (!absolute) return escapes('points outside the dataset root');
  try {
    // A symlink (or a linked folder on the way) must not lead out of the root: nothing outside is read.
    const real = await realPathInside(root, absolute);
    if (!real) return escapes('is a link to a file outside the dataset root');
    const info = await stat(real);
    if (!info.isFile()) {
      issues.push({ location: entry.location, file: entry.file, code: 'not_a_file', message: `${entry.file} is not a regular file` });
      return null;
    }
    return { entry, sha256: await sha256File(real), bytes: info.size, path: relative(root, absolute) };
  } catch (error) {
    issues.push({
      location: entry.location,
      file: entry.file,
      code: 'missing_file',
      message: `cannot read ${entry.file}: ${(error as Error).message}`,
    });
    return null;
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return out;
}
