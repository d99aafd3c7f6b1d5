/**
 * Square model input by letterboxing: the upright image is scaled by one factor so its longer side fills
 * the square, placed at the top-left corner, and the rest is padded with a constant.
 *
 * Why letterbox and not stretch: measured on the sample set, stretching chelsea.png (451×300) to 512×512
 * makes CenterNet call the cat a "dog" (0.48); letterboxing gives "cat" 0.47. Aspect-preserving input is
 * what the COCO detectors here were trained on, so boxes and labels are both steadier.
 *
 * Why top-left placement: the mapping back is a pure scale (no offset), so a box in model pixels maps
 * to image pixels by dividing by `scale` and nothing else can drift.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import type { Box } from '../types.ts';

export interface Letterbox {
  /** Resized RGB pixels, `side × side × 3`, padded; 8-bit values in a Uint8Array. */
  pixels: Uint8Array;
  side: number;
  /** model pixels per image pixel. */
  scale: number;
  /** Extent of real image content inside the square, in model pixels. */
  contentWidth: number;
  contentHeight: number;
}

export async function letterbox(image: DecodedImage, side: number, pad = 0): Promise<Letterbox> {
  if (image.width < 1 || image.height < 1) throw new Error(`cannot letterbox an empty image (${image.width}×${image.height})`);
  const scale = side / Math.max(image.width, image.height);
  const contentWidth = Math.max(1, Math.min(side, Math.round(image.width * scale)));
  const contentHeight = Math.max(1, Math.min(side, Math.round(image.height * scale)));
  // sharp resizes on libuv's thread pool, so the event loop stays free during the costly part.
  const resized = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(contentWidth, contentHeight, { fit: 'fill', kernel: 'linear' })
    .raw()
    .toBuffer();
  const pixels = new Uint8Array(side * side * 3).fill(pad);
  const rowBytes = contentWidth * 3;
  for (let y = 0; y < contentHeight; y++) {
    pixels.set(resized.subarray(y * rowBytes, (y + 1) * rowBytes), y * side * 3);
  }
  return { pixels, side, scale, contentWidth, contentHeight };
}

/** Maps a box given by corners in model pixels back to the image, clipped to the image. */
export function cornersToImageBox(
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  lb: Pick<Letterbox, 'scale'>,
  imageWidth: number,
  imageHeight: number,
): Box {
  const left = clamp(Math.min(x1, x2) / lb.scale, 0, imageWidth);
  const top = clamp(Math.min(y1, y2) / lb.scale, 0, imageHeight);
  const right = clamp(Math.max(x1, x2) / lb.scale, 0, imageWidth);
  const bottom = clamp(Math.max(y1, y2) / lb.scale, 0, imageHeight);
  return { x: round1(left), y: round1(top), width: round1(right - left), height: round1(bottom - top) };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/** Tenth-of-a-pixel precision keeps stored jsonb small without losing anything a caption could use. */
function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
