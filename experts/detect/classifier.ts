/**
 * The detector's second opinion: EfficientNet-Lite0 (ImageNet-1k) run on each detected box.
 * scripts/setup-vision-models.sh exports it from the pinned PyPI wheels (trainer/export_classifier.py).
 *
 * Pre-processing: the box plus 10% context on each side (clipped to the image), squashed to 224×224
 * (a box's whole object matters more than its aspect), RGB/255 normalised with the ImageNet mean/std.
 * All boxes of an image go through the model in one batch; ~4 ms per box on one core here.
 * One session per process, shared by every user and freed with the last of them.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import { setupModelPath } from '../../lib/setup-models.ts';
import { leaseSharedSession } from '../../lib/shared-onnx-session.ts';
import type { Box } from '../types.ts';

export const CLASSIFIER_MODEL = { id: 'efficientnet-lite0/imagenet', version: 'pypi-0.1.0+onnx.1' } as const;

const SIDE = 224;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const CONTEXT = 0.1;

export interface ClassScore {
  index: number;
  prob: number;
}

export interface BoxClassifier {
  /** Softmax probabilities per box, the top `k` classes each, most likely first. */
  classify(image: DecodedImage, boxes: readonly Box[], k: number): Promise<ClassScore[][]>;
  dispose(): Promise<void>;
}

export async function loadBoxClassifier(): Promise<BoxClassifier> {
  const lease = await leaseSharedSession(setupModelPath('efficientnet-lite0.onnx'));
  const { session } = lease;
  let disposed = false;
  return {
    async classify(image, boxes, k) {
      if (disposed) throw new Error('box classifier was disposed');
      if (boxes.length === 0) return [];
      const plane = SIDE * SIDE;
      const input = new Float32Array(boxes.length * 3 * plane);
      for (const [b, box] of boxes.entries()) {
        const pixels = await cropResized(image, box);
        const base = b * 3 * plane;
        for (let i = 0; i < plane; i++) {
          for (let c = 0; c < 3; c++) input[base + c * plane + i] = (pixels[i * 3 + c] / 255 - MEAN[c]) / STD[c];
        }
      }
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [boxes.length, 3, SIDE, SIDE]) });
      const logits = out[session.outputNames[0]].data as Float32Array;
      return boxes.map((_, b) => topK(logits.subarray(b * 1000, (b + 1) * 1000), k));
    },
    async dispose() {
      disposed = true;
      await lease.release();
    },
  };
}

async function cropResized(image: DecodedImage, box: Box): Promise<Buffer> {
  const mx = box.width * CONTEXT;
  const my = box.height * CONTEXT;
  const left = Math.max(0, Math.floor(box.x - mx));
  const top = Math.max(0, Math.floor(box.y - my));
  const right = Math.min(image.width, Math.ceil(box.x + box.width + mx));
  const bottom = Math.min(image.height, Math.ceil(box.y + box.height + my));
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width: Math.max(1, right - left), height: Math.max(1, bottom - top) })
    .resize(SIDE, SIDE, { fit: 'fill', kernel: 'linear' })
    .removeAlpha()
    .raw()
    .toBuffer();
}

function topK(logits: Float32Array, k: number): ClassScore[] {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  let sum = 0;
  const probs = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) sum += probs[i] = Math.exp(logits[i] - max);
  const order = [...probs.keys()].sort((a, b) => probs[b] - probs[a]).slice(0, k);
  return order.map((index) => ({ index, prob: probs[index] / sum }));
}
