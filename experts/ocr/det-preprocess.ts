/**
 * Input of the DB detector: the image resized so that its longer side is at most `maxSide`, its shorter
 * side at least `minSide` where that does not break the first rule, and both sides multiples of 32 (the
 * network downsamples by 32), normalised with the det model's mean/std (ImageNet's for PP-OCRv4, 0.5 for
 * PP-OCRv6), laid out NCHW float32.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';

/** PP-OCRv4 det's NormalizeImage: ImageNet's statistics. */
export const IMAGENET_NORMALIZATION: DetNormalization = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

export interface DetNormalization {
  mean: readonly number[];
  std: readonly number[];
}

export interface DetInput {
  tensor: Float32Array; // [1, 3, height, width]
  width: number;
  height: number;
  /** Image pixels per map pixel, per axis (the map has the input's size). */
  scaleX: number;
  scaleY: number;
}

/**
 * Resized size: longer side ≤ maxSide; enlarged only until the shorter side reaches minSide (0: never);
 * each side rounded to a multiple of 32, at least 32. Enlarging matters for small photos: DB finds
 * text a few pixels high poorly at native size (a 324×223 packet shot reads one line of eight natively).
 */
export function detInputSize(width: number, height: number, maxSide: number, minSide = 0): { width: number; height: number } {
  const ratio = Math.min(Math.max(1, minSide / Math.min(width, height)), maxSide / Math.max(width, height));
  const to32 = (n: number): number => Math.max(32, Math.round((n * ratio) / 32) * 32);
  return { width: to32(width), height: to32(height) };
}

export async function prepareDetInput(
  image: DecodedImage,
  maxSide: number,
  minSide = 0,
  norm: DetNormalization = IMAGENET_NORMALIZATION,
): Promise<DetInput> {
  const { width, height } = detInputSize(image.width, image.height, maxSide, minSide);
  const pixels =
    width === image.width && height === image.height
      ? image.data
      : await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
          .resize(width, height, { fit: 'fill' })
          .raw()
          .toBuffer();
  const plane = width * height;
  const tensor = new Float32Array(3 * plane);
  for (let c = 0; c < 3; c++) {
    const scale = 1 / (255 * norm.std[c]);
    const shift = norm.mean[c] / norm.std[c];
    const base = c * plane;
    for (let i = 0; i < plane; i++) tensor[base + i] = pixels[i * 3 + c] * scale - shift;
  }
  return { tensor, width, height, scaleX: image.width / width, scaleY: image.height / height };
}
