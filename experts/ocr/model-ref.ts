/**
 * Model refs of the OCR backends, in a module without native imports so describe() and the thread
 * proxy can name the model without loading it.
 */
import type { ModelRef } from '../types.ts';

/** The PaddleOCR model sets the paddle backend can run (experts/ocr/model-files.ts says where each lives). */
export const PADDLE_MODEL_NAMES = ['pp-ocrv6-small', 'pp-ocrv4-mobile'] as const;
export type PaddleModelName = (typeof PADDLE_MODEL_NAMES)[number];
export const PADDLE_MODEL_DEFAULT: PaddleModelName = 'pp-ocrv6-small';

/** Bump a suffix when pre/post-processing changes what an image reads as (stage idempotency key). */
export const PADDLE_MODELS: Record<PaddleModelName, ModelRef> = {
  'pp-ocrv6-small': { id: 'paddleocr/pp-ocrv6-small', version: 'det6s-rec6s-cls2.0+1' },
  'pp-ocrv4-mobile': { id: 'paddleocr/pp-ocrv4-mobile', version: 'det4-rec4-cls2.0+2' },
};

export function paddleModelRef(name: PaddleModelName = PADDLE_MODEL_DEFAULT): ModelRef {
  const ref = PADDLE_MODELS[name];
  if (!ref) throw new Error(`unknown PaddleOCR model "${String(name)}"; allowed: ${PADDLE_MODEL_NAMES.join(', ')}`);
  return { ...ref };
}

/** Bump the suffix when the mapping of tesseract's result to OcrOutput changes. */
export const TESSERACT_MODEL: ModelRef = { id: 'tesseract/eng-lstm-4.0.0', version: 'tesseract.js-7+1' };
