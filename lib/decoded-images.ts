/**
 * Decode each image once per batch for all vision stages. detect and ocr run side by side on a batch and
 * attributes follows detect, all on the same vision worker, and each used to decode the same file itself:
 * three sharp decodes per image where one does (a decode of a 1-megapixel JPEG costs about what the onnx
 * detector's whole run costs). This process-wide cache keeps recently decoded pixels under a byte budget,
 * and a decode in flight is shared, so two stages asking at once wait on one decode.
 *
 * Why it is safe to share: a DecodedImage is never written to (the experts crop and resize into new
 * buffers; model threads receive a transferred copy, lib/model-thread.ts), and the key holds the file's
 * size and mtime, so a file rewritten between stages decodes afresh (attributes' size check still
 * guards against a changed file). A failed decode is not kept: the next stage's own attempt gives the
 * same StageInputError, recorded per image as before.
 *
 * Budget: FUSECAP_DECODE_CACHE_MB (default 256; 0 turns the cache off). A batch of 32 one-megapixel
 * photos is 96 MB of RGB; larger photos hit less often, they never exceed the budget.
 */
import { stat } from 'node:fs/promises';
import { decodeImage, type DecodedImage } from './image.ts';

const DEFAULT_BUDGET_MB = 256;

interface Entry {
  decoded: Promise<DecodedImage>;
  /** Known once the decode resolved; an entry in flight counts 0 against the budget. */
  bytes: number;
}

export interface DecodeCacheStats {
  hits: number;
  misses: number;
  evictions: number;
  entries: number;
  bytes: number;
}

export class DecodedImageCache {
  /** Map order is recency order: a hit re-inserts its key at the end, eviction takes from the front. */
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  private hits = 0;
  private misses = 0;
  private evictions = 0;

  constructor(readonly maxBytes: number) {}

  /** The decoded pixels of the file at `path` (full size, as decodeImage gives them). */
  async get(path: string): Promise<DecodedImage> {
    if (this.maxBytes <= 0) return decodeImage(path);
    const key = await fileKey(path);
    // A file that cannot be stat-ed decodes uncached, so decodeImage names the problem (missing_file …).
    if (!key) return decodeImage(path);
    const found = this.entries.get(key);
    if (found) {
      this.hits++;
      this.entries.delete(key);
      this.entries.set(key, found);
      return found.decoded;
    }
    this.misses++;
    const entry: Entry = { decoded: decodeImage(path), bytes: 0 };
    this.entries.set(key, entry);
    try {
      const image = await entry.decoded;
      // Evicted or cleared while decoding: hand the pixels back without accounting for them.
      if (this.entries.get(key) !== entry) return image;
      entry.bytes = image.data.length;
      this.bytes += entry.bytes;
      if (entry.bytes > this.maxBytes) this.drop(key);
      this.evictToBudget();
      return image;
    } catch (error) {
      if (this.entries.get(key) === entry) this.entries.delete(key);
      throw error;
    }
  }

  stats(): DecodeCacheStats {
    return { hits: this.hits, misses: this.misses, evictions: this.evictions, entries: this.entries.size, bytes: this.bytes };
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.bytes;
    this.evictions++;
  }

  private evictToBudget(): void {
    for (const [key, entry] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      // Decodes in flight have a waiting caller and no size yet; only finished ones are evicted.
      if (entry.bytes > 0) this.drop(key);
    }
  }
}

async function fileKey(path: string): Promise<string | null> {
  try {
    const info = await stat(path);
    return `${path}\u0000${info.size}\u0000${info.mtimeMs}`;
  } catch {
    return null;
  }
}

export function decodeCacheBudgetBytes(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.FUSECAP_DECODE_CACHE_MB;
  if (raw === undefined || raw === '') return DEFAULT_BUDGET_MB * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb < 0) throw new Error(`FUSECAP_DECODE_CACHE_MB must be a number of megabytes ≥ 0, got "${raw}"`);
  return Math.round(mb * 1024 * 1024);
}

let shared: DecodedImageCache | undefined;

/** The vision stages' one decode per image: the process-wide cache. */
export function decodeForStage(path: string): Promise<DecodedImage> {
  shared ??= new DecodedImageCache(decodeCacheBudgetBytes());
  return shared.get(path);
}

export function sharedDecodeCacheStats(): DecodeCacheStats | null {
  return shared?.stats() ?? null;
}
