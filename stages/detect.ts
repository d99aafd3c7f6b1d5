/**
 * detect stage: decode the image upright (lib/image.ts) and run the object detector on it. Boxes are in
 * upright-image pixels; an image without objects gives `{ objects: [] }`; an unreadable image is a
 * StageInputError from decodeImage (through the shared decode, lib/decoded-images.ts). One detector per worker process, created on first use (or by load())
 * and replaced only when the config's detect section changes.
 */
import type { FusecapConfig } from '../config/schema.ts';
import { createDetectFilters, type DetectFilters, describeFilters } from '../experts/detect/filters.ts';
import { createDetector, type Detector, detectorModelRef } from '../experts/detect/index.ts';
import type { DetectOutput } from '../experts/types.ts';
import { decodeForStage } from '../lib/decoded-images.ts';
import { ModelSlot } from '../lib/model-slot.ts';
import type { StageImpl } from './types.ts';

const slot = new ModelSlot<Detector>();
const filterSlot = new ModelSlot<DetectFilters>();

function getDetector(config: FusecapConfig): Promise<Detector> {
  const { filters: _filters, ...detect } = config.detect;
  return slot.get(JSON.stringify(detect), () => createDetector({ ...detect }));
}

function getFilters(config: FusecapConfig): Promise<DetectFilters> {
  return filterSlot.get(JSON.stringify(config.detect.filters), () => createDetectFilters({ ...config.detect.filters }));
}

export const detectStage: StageImpl<DetectOutput> = {
  name: 'detect',
  describe(config) {
    const { backend, runtime, model, minScore, iouThreshold, maxObjects, labels } = config.detect;
    // The runtime is in the model version (onnx adds the converted file's hash), not in params.
    const ref = detectorModelRef({ backend, model, labels, runtime });
    const params: Record<string, unknown> = { backend, minScore, iouThreshold, maxObjects };
    if (labels) params.labels = labels;
    params.filters = describeFilters(config.detect.filters, ref.id);
    return { model: ref, params };
  },
  async load(config) {
    await getDetector(config);
    await getFilters(config);
  },
  async run(input, config) {
    const detector = await getDetector(config);
    input.signal.throwIfAborted();
    const image = await decodeForStage(input.image.path);
    input.signal.throwIfAborted();
    const detected = await detector.detect(image);
    input.signal.throwIfAborted();
    return (await getFilters(config)).apply(detected, image, input.captions, detector.model.id, detector);
  },
  async dispose() {
    await slot.dispose();
    await filterSlot.dispose();
  },
};
