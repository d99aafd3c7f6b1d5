/**
 * ocr stage: decode the image upright (lib/image.ts) and read its text with the OCR expert. An image
 * without text gives `{ lines: [] }`; an unreadable image is a StageInputError from decodeImage (through the shared decode, lib/decoded-images.ts).
 * One engine per worker process, created on first use (or by load()) and kept for every later image.
 */
import type { FusecapConfig } from '../config/schema.ts';
import { createOcr, ocrModelRef, type OcrEngine } from '../experts/ocr/index.ts';
import type { OcrOutput } from '../experts/types.ts';
import { decodeForStage } from '../lib/decoded-images.ts';
import { ModelSlot } from '../lib/model-slot.ts';
import type { StageImpl } from './types.ts';

const slot = new ModelSlot<OcrEngine>();

/** The config fields that choose the engine; `threads` is among them but changes no output. */
function engineKey(config: FusecapConfig): string {
  const { backend, model, modelDir, minConfidence, maxLines, threads, maxSide, minSide, angleClassifier } = config.ocr;
  return JSON.stringify({ backend, model, modelDir, minConfidence, maxLines, threads, maxSide, minSide, angleClassifier });
}

function getEngine(config: FusecapConfig): Promise<OcrEngine> {
  return slot.get(engineKey(config), () => createOcr({ ...config.ocr }));
}

export const ocrStage: StageImpl<OcrOutput> = {
  name: 'ocr',
  describe(config) {
    const { backend, model, minConfidence, maxLines, maxSide, minSide, angleClassifier } = config.ocr;
    const params: Record<string, unknown> = { backend, minConfidence, maxLines };
    if (backend === 'paddle') Object.assign(params, { maxSide, minSide, angleClassifier });
    // The model set is in the model ref (id and version), so params stay as they were for old results.
    return { model: ocrModelRef(backend, model), params };
  },
  async load(config) {
    await getEngine(config);
  },
  async run(input, config) {
    const ocr = await getEngine(config);
    input.signal.throwIfAborted();
    const image = await decodeForStage(input.image.path);
    input.signal.throwIfAborted();
    return ocr.read(image);
  },
  dispose: () => slot.dispose(),
};
