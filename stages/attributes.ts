/**
 * attributes stage: reads the detect stage's output (input.upstream.detect), decodes the same image
 * upright and describes every detected object (colours, size, position, people's age group and
 * expression) plus counts per label. No objects → `{ objects: [], counts: {} }` without decoding.
 */
import type { FusecapConfig } from '../config/schema.ts';
import { type AttributeRecognizer, attributesModelRef, createAttributeRecognizer } from '../experts/attributes/index.ts';
import type { AttributesOutput } from '../experts/types.ts';
import { decodeForStage } from '../lib/decoded-images.ts';
import { ModelSlot } from '../lib/model-slot.ts';
import { StageInputError } from '../lib/errors.ts';
import type { StageImpl } from './types.ts';
import { upstreamOutput } from './upstream.ts';

const slot = new ModelSlot<AttributeRecognizer>();

function getRecognizer(config: FusecapConfig): Promise<AttributeRecognizer> {
  return slot.get(JSON.stringify(config.attributes), () => createAttributeRecognizer({ ...config.attributes }));
}

export const attributesStage: StageImpl<AttributesOutput> = {
  name: 'attributes',
  describe(config) {
    const { backend, faces, clipModel, vocabulary, maxColors, colorMask, maskObjects, maskScope, maskSide, minColorShare, people } =
      config.attributes;
    const params: Record<string, unknown> = { backend, faces, maxColors, colorMask, maskObjects, minColorShare, people: { ...people } };
    // Only when it is not the original per-box mask, so results stored before the option existed keep their key.
    if (colorMask && maskScope !== 'box') params.maskScope = maskScope;
    if (backend === 'clip') Object.assign(params, { clipModel, vocabulary: vocabulary ?? null });
    return { model: attributesModelRef({ backend, faces, clipModel, colorMask, maskSide }), params };
  },
  async load(config) {
    await getRecognizer(config);
  },
  async run(input, config) {
    const detections = upstreamOutput(input, 'attributes', 'detect');
    if (detections.objects.length === 0) return { objects: [], counts: {} };
    const recognizer = await getRecognizer(config);
    input.signal.throwIfAborted();
    const image = await decodeForStage(input.image.path);
    if (image.width !== detections.imageWidth || image.height !== detections.imageHeight) {
      throw new StageInputError(
        `image is ${image.width}×${image.height} but detect ran on ${detections.imageWidth}×${detections.imageHeight}; the file changed since detect`,
        'detect_size_mismatch',
      );
    }
    input.signal.throwIfAborted();
    return recognizer.describe(image, detections);
  },
  dispose: () => slot.dispose(),
};
