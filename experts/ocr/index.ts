/**
 * The OCR expert: `createOcr(options)` → an engine that reads text lines (words, boxes, confidences) from
 * an upright RGB image. Backends: 'paddle' (PP-OCRv6 small or PP-OCRv4 mobile via onnxruntime-node, default) and 'tesseract'
 * (tesseract.js, English). Both return the same OcrOutput shape (experts/types.ts).
 */
import type { ModelRef } from '../types.ts';
import { paddleModelRef, type PaddleModelName, TESSERACT_MODEL } from './model-ref.ts';
import { PaddleOcr } from './paddle.ts';
import { PaddleThreadOcr } from './paddle-thread.ts';
import { TesseractOcr } from './tesseract.ts';
import { OCR_BACKENDS, OCR_MIN_SIDE_DEFAULT, type OcrBackend, type OcrEngine, type OcrOptions } from './types.ts';

export type { OcrBackend, OcrEngine, OcrOptions } from './types.ts';

export async function createOcr(options: OcrOptions = {}): Promise<OcrEngine> {
  const backend = options.backend ?? 'paddle';
  const minConfidence = options.minConfidence ?? 0.6;
  if (!(minConfidence >= 0 && minConfidence <= 1)) throw new Error(`ocr minConfidence must be in [0, 1], got ${minConfidence}`);
  const maxLines = options.maxLines ?? 20;
  if (!Number.isInteger(maxLines) || maxLines < 1) throw new Error(`ocr maxLines must be a positive integer, got ${maxLines}`);
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`ocr threads must be a positive integer, got ${threads}`);
  const maxSide = options.maxSide ?? 960;
  if (!Number.isInteger(maxSide) || maxSide < 32) throw new Error(`ocr maxSide must be an integer ≥ 32, got ${maxSide}`);
  const minSide = options.minSide ?? OCR_MIN_SIDE_DEFAULT;
  if (!Number.isInteger(minSide) || minSide < 0) throw new Error(`ocr minSide must be an integer ≥ 0, got ${minSide}`);
  switch (backend) {
    case 'paddle':
      return ((options.workerThread ?? true) ? PaddleThreadOcr : PaddleOcr).create({
        ...options,
        minConfidence,
        maxLines,
        threads,
        maxSide,
        minSide,
      });
    case 'tesseract':
      return TesseractOcr.create({ ...options, minConfidence, maxLines });
    default:
      throw new Error(`unknown ocr backend "${String(backend)}"; allowed: ${OCR_BACKENDS.join(', ')}`);
  }
}

/** The model a backend reports, without loading it (for stage descriptions and idempotency keys). */
export function ocrModelRef(backend: OcrBackend = 'paddle', model?: PaddleModelName): ModelRef {
  if (backend === 'paddle') return paddleModelRef(model);
  if (backend === 'tesseract') return { ...TESSERACT_MODEL };
  throw new Error(`unknown ocr backend "${String(backend)}"; allowed: ${OCR_BACKENDS.join(', ')}`);
}
