/**
 * Worker-thread side of PaddleThreadOcr: one PaddleOcr served by lib/model-thread.ts. onnxruntime-node
 * runs a session synchronously on the calling JS thread, so OCR lives here, off the parent's event loop,
 * where it can use a core of its own while the parent runs other experts.
 */
import { pixelsOf, serveModel } from '../../lib/model-thread.ts';
import { PaddleOcr } from './paddle.ts';
import type { OcrOptions } from './types.ts';

serveModel<PaddleOcr, OcrOptions>({
  load: (options) => PaddleOcr.create(options),
  handle: (ocr, request) => ocr.read(pixelsOf(request)),
  dispose: (ocr) => ocr.dispose(),
});
