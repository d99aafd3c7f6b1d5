/**
 * Model refs of the OCR backends, in a module without native imports so describe() and the thread
 * proxy can name the model without loading it.
 */
import type { ModelRef } from '../types.ts';

/** Bump the suffix when pre/post-processing changes what an image reads as (stage idempotency key). */
export const PADDLE_MODEL: ModelRef = { id: 'paddleocr/pp-ocrv4-mobile', version: 'det4-rec4-cls2.0+2' };

/** Bump the suffix when the mapping of tesseract's result to OcrOutput changes. */
export const TESSERACT_MODEL: ModelRef = { id: 'tesseract/eng-lstm-4.0.0', version: 'tesseract.js-7+1' };
