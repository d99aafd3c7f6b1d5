/** Options and engine shape shared by both OCR backends. */
import type { DecodedImage } from '../../lib/image.ts';
import type { ModelRef, OcrOutput } from '../types.ts';
import type { PaddleModelName } from './model-ref.ts';

export type OcrBackend = 'paddle' | 'tesseract';
export const OCR_BACKENDS: readonly OcrBackend[] = ['paddle', 'tesseract'];
/** Default OcrOptions.minSide (see there). */
export const OCR_MIN_SIDE_DEFAULT = 0;

export interface OcrOptions {
  backend?: OcrBackend; // default 'paddle'
  /** paddle: which PaddleOCR model set (experts/ocr/model-files.ts). Default 'pp-ocrv6-small'. */
  model?: PaddleModelName;
  /** Text (a recognised box for paddle, a word for tesseract) below this confidence (0..1) is dropped. Default 0.6. */
  minConfidence?: number;
  /** At most this many lines are returned: the tallest ones, in reading order. Default 20. */
  maxLines?: number;
  /** onnxruntime intra-op threads (paddle). Default 1: detect uses the other core of a 2-core worker. */
  threads?: number;
  /** Folder holding the PaddleOCR model files; default: where the model set is installed (model-files.ts). */
  modelDir?: string;
  /** Longer side of the detector's input, pixels (paddle). Default 960, PaddleOCR's det_limit_side_len. */
  maxSide?: number;
  /**
   * Shorter side the detector's input is enlarged to, pixels (paddle; never past maxSide on the longer
   * side; 0: never enlarged). Default OCR_MIN_SIDE_DEFAULT, chosen on the truth set's tuning half.
   */
  minSide?: number;
  /** Run the 180° angle classifier on crops (paddle). Default true. */
  angleClassifier?: boolean;
  /**
   * Run paddle in a worker thread (default true): onnxruntime-node blocks the calling JS thread while a
   * model runs, so in-process OCR would stall the event loop and could not overlap with detect.
   */
  workerThread?: boolean;
}

export interface OcrEngine {
  readonly model: ModelRef;
  /** Reads an upright RGB image (lib/image.ts decodeImage); boxes are in its pixels. */
  read(image: DecodedImage): Promise<OcrOutput>;
  /** False once the engine can no longer answer: the ocr stage's ModelSlot then loads a new one. */
  healthy?(): boolean;
  dispose(): Promise<void>;
}

/** Validates the pixel buffer before any model sees it; a wrong size means a caller bug, not bad input. */
export function assertDecodedImage(image: DecodedImage): void {
  if (!Number.isInteger(image.width) || !Number.isInteger(image.height) || image.width < 1 || image.height < 1) {
    throw new Error(`OCR: image size must be positive integers, got ${image.width}×${image.height}`);
  }
  if (image.channels !== 3 || image.data.length !== image.width * image.height * 3) {
    throw new Error(
      `OCR: expected ${image.width}×${image.height}×3 RGB bytes (decodeImage output), got ${image.data.length} bytes, channels ${image.channels}`,
    );
  }
}
