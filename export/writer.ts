/** What every format writer is: records in, files out (paths relative to the export folder). */
import type { ImageRow } from '../db/schema/index.ts';
import type { ExportRecord } from './records.ts';

/** What a writer needs of an image besides its record: where its bytes are and what they are. */
export type WriterImage = Pick<ImageRow, 'path' | 'format'>;

export interface WriterContext {
  /** The staging folder files are written into (renamed to the output folder when all is done). */
  dir: string;
  datasetId: string;
  /** Records per shard (WebDataset tar, Parquet file). */
  shardSize: number;
  /** Absolute path of an image's bytes. */
  imagePath(image: WriterImage): string;
  /** Parquet: embed image bytes in an HF-style `image` struct column. */
  withImages: boolean;
  withExperts: boolean;
}

export interface FormatWriter {
  add(record: ExportRecord, image: WriterImage): Promise<void>;
  /** Closes every file; returns the files written, relative to the export folder, in write order. */
  finish(): Promise<string[]>;
  /** Records the writer could not write whole (e.g. the image file is gone), by reason. */
  dropped: Record<string, number>;
}

/** `{dataset}-{00000}.{ext}`: shard names sort in write order. */
export function shardName(datasetId: string, shard: number, ext: string): string {
  return `${datasetId}-${String(shard).padStart(5, '0')}.${ext}`;
}

/** File extension for an image member: the probed format, else the stored path's, "jpeg" spelled "jpg". */
export function imageExtension(image: WriterImage): string {
  const fromPath = /\.([a-z0-9]+)$/i.exec(image.path)?.[1]?.toLowerCase();
  const ext = (image.format ?? fromPath ?? 'bin').toLowerCase();
  return ext === 'jpeg' ? 'jpg' : ext;
}
