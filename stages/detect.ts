/**
 * detect stage: decode the image upright (lib/image.ts) and run the object detector on it. Boxes are in
 * upright-image pixels; an image without objects gives `{ objects: [] }`; an unreadable image is a
 * StageInputError from decodeImage. One detector per worker process, created on first use (or by load())
 * and replaced only when the config's detect section changes.
 */
import type { FusecapConfig } from '../config/schema.ts';
import { createDetector, type Detector, detectorModelRef } from '../experts/detect/index.ts';
import type { DetectOutput } from '../experts/types.ts';
import { decodeImage } from '../lib/image.ts';
import { ModelSlot } from '../lib/model-slot.ts';
import type { StageImpl } from './types.ts';

const slot = new ModelSlot<Detector>();

function getDetector(config: FusecapConfig): Promise<Detector> {
  return slot.get(JSON.stringify(config.detect), () => createDetector({ ...config.detect }));
}

export const detectStage: StageImpl<DetectOutput> = {
  name: 'detect',
  describe(config) {
    const { backend, runtime, model, minScore, iouThreshold, maxObjects, labels } = config.detect;
    const params: Record<string, unknown> = { backend, minScore, iouThreshold, maxObjects };
    if (labels) params.labels = labels;
    // The runtime is in the model version (onnx adds the converted file's hash), not in params.
    return { model: detectorModelRef({ backend, model, labels, runtime }), params };
  },
  async load(config) {
    await getDetector(config);
  },
  async run(input, config) {
    const detector = await getDetector(config);
    input.signal.throwIfAborted();
    const image = await decodeImage(input.image.path);
    input.signal.throwIfAborted();
    return detector.detect(image);
  },
  dispose: () => slot.dispose(),
};
