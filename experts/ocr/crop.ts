/**
 * Cuts a rotated text rectangle out of the image straight into a recognition / classifier tensor:
 * one bilinear resampling from image pixels to the network's 48-px-high input, normalised to [-1, 1]
 * ((v / 255 − 0.5) / 0.5, as PP-OCR rec and cls expect). Right of the drawn width the tensor keeps its
 * zeros, which is PaddleOCR's padding (mid-grey after normalisation).
 *
 * When the crop shrinks text by more than 1.5×, each output pixel averages k×k bilinear samples so thin
 * strokes do not alias away.
 */
import type { DecodedImage } from '../../lib/image.ts';
import type { RotatedRect } from './geometry.ts';

export interface TensorSlot {
  tensor: Float32Array; // [n, 3, height, width]
  index: number; // which n
  width: number;
  height: number;
}

/** Width the crop is drawn at for a given tensor height, keeping its aspect ratio, capped at `maxWidth`. */
export function drawWidth(rect: RotatedRect, height: number, maxWidth: number): number {
  const ratio = rect.width / Math.max(rect.height, 1e-6);
  return Math.max(1, Math.min(maxWidth, Math.ceil(height * ratio)));
}

/** Reading-direction view of a box: vertical boxes (height ≥ 1.5 × width) are read top to bottom. */
export function readingRect(rect: RotatedRect): RotatedRect {
  if (rect.height < 1.5 * rect.width) return rect;
  // Turn the crop 90° counter-clockwise, as PaddleOCR's np.rot90: its x axis becomes the box's v.
  return { center: rect.center, u: rect.v, v: { x: -rect.u.x, y: -rect.u.y }, width: rect.height, height: rect.width };
}

/** The same rectangle seen upside down (what the angle classifier's "180" means). */
export function flipped(rect: RotatedRect): RotatedRect {
  return { ...rect, u: { x: -rect.u.x, y: -rect.u.y }, v: { x: -rect.v.x, y: -rect.v.y } };
}

export function sampleInto(image: DecodedImage, rect: RotatedRect, slot: TensorSlot, drawnWidth: number): void {
  const { tensor, index, width: tw, height: th } = slot;
  const plane = tw * th;
  const base = index * 3 * plane;
  const { data, width: iw, height: ih } = image;
  const stepU = rect.width / drawnWidth; // image pixels per output column, along u
  const stepV = rect.height / th; // image pixels per output row, along v
  const k = Math.min(4, Math.max(1, Math.ceil(Math.max(stepU, stepV) / 1.5)));
  const ox = rect.center.x - (rect.width / 2) * rect.u.x - (rect.height / 2) * rect.v.x;
  const oy = rect.center.y - (rect.width / 2) * rect.u.y - (rect.height / 2) * rect.v.y;
  const inv = 1 / (k * k);
  for (let row = 0; row < th; row++) {
    for (let col = 0; col < drawnWidth; col++) {
      let r = 0,
        g = 0,
        b = 0;
      for (let sy = 0; sy < k; sy++) {
        const fv = (row + (sy + 0.5) / k) * stepV;
        for (let sx = 0; sx < k; sx++) {
          const fu = (col + (sx + 0.5) / k) * stepU;
          // Image point; pixel centres are at integer coordinates, hence the −0.5.
          const x = Math.min(iw - 1, Math.max(0, ox + fu * rect.u.x + fv * rect.v.x - 0.5));
          const y = Math.min(ih - 1, Math.max(0, oy + fu * rect.u.y + fv * rect.v.y - 0.5));
          const x0 = Math.floor(x);
          const y0 = Math.floor(y);
          const x1 = Math.min(iw - 1, x0 + 1);
          const y1 = Math.min(ih - 1, y0 + 1);
          const ax = x - x0;
          const ay = y - y0;
          const w00 = (1 - ax) * (1 - ay),
            w01 = ax * (1 - ay),
            w10 = (1 - ax) * ay,
            w11 = ax * ay;
          const p00 = (y0 * iw + x0) * 3,
            p01 = (y0 * iw + x1) * 3,
            p10 = (y1 * iw + x0) * 3,
            p11 = (y1 * iw + x1) * 3;
          r += data[p00] * w00 + data[p01] * w01 + data[p10] * w10 + data[p11] * w11;
          g += data[p00 + 1] * w00 + data[p01 + 1] * w01 + data[p10 + 1] * w10 + data[p11 + 1] * w11;
          b += data[p00 + 2] * w00 + data[p01 + 2] * w01 + data[p10 + 2] * w10 + data[p11 + 2] * w11;
        }
      }
      const o = base + row * tw + col;
      tensor[o] = (r * inv) / 127.5 - 1;
      tensor[o + plane] = (g * inv) / 127.5 - 1;
      tensor[o + 2 * plane] = (b * inv) / 127.5 - 1;
    }
  }
}
