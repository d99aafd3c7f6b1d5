/**
 * Pre-processing for the BLIP captioner, bit-identical to the trainer's (trainer/fusecap_trainer/data.py):
 * upright 8-bit RGB (lib/image.ts decodeImage ↔ PIL + exif_transpose) → resized to S × S ignoring aspect
 * with Pillow's BICUBIC resampling (Catmull-Rom, a = -0.5, support widened by the shrink factor,
 * separable: horizontal pass then vertical, each rounded to 8 bits with Pillow's 22-bit fixed-point
 * coefficients) → /255 → (x - mean) / std, channels first.
 *
 * Why a hand-written resize instead of sharp's: libvips shrinks large factors with a box filter before
 * its cubic pass, so its pixels differ from Pillow's by a few levels, and a tiny model's greedy caption
 * can flip on that. Reproducing Pillow's integer arithmetic makes both sides see the same pixels.
 */
import type { DecodedImage } from '../lib/image.ts';

const PRECISION_BITS = 32 - 8 - 2;
const ONE = 1 << PRECISION_BITS;
const HALF = 1 << (PRECISION_BITS - 1);

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

interface Coefficients {
  ksize: number;
  bounds: Int32Array; // [min, count] per output pixel
  weights: Int32Array; // ksize fixed-point weights per output pixel
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for a full-size box. */
function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 2 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      k[x] = bicubic((x + xmin - center + 0.5) * ss);
      sum += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? k[x] / sum : k[x];
      weights[xx * ksize + x] = w < 0 ? Math.trunc(-0.5 + w * ONE) : Math.trunc(0.5 + w * ONE);
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, weights };
}

function clip8(value: number): number {
  if (value >= ONE * 256) return 255;
  if (value <= 0) return 0;
  return Math.floor(value / ONE); // value is a non-negative integer: same as >> PRECISION_BITS
}

function horizontalPass(src: Uint8Array, srcW: number, firstRow: number, rows: number, c: Coefficients, outW: number): Uint8Array {
  const out = new Uint8Array(outW * rows * 3);
  for (let y = 0; y < rows; y++) {
    const rowStart = (y + firstRow) * srcW * 3;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = c.bounds[xx * 2];
      const count = c.bounds[xx * 2 + 1];
      const kOff = xx * c.ksize;
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let x = 0; x < count; x++) {
        const w = c.weights[kOff + x];
        const p = rowStart + (x + xmin) * 3;
        s0 += src[p] * w;
        s1 += src[p + 1] * w;
        s2 += src[p + 2] * w;
      }
      const o = (y * outW + xx) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return out;
}

/** rowShift: index of src's first row in the coefficients' coordinates. */
function verticalPass(src: Uint8Array, width: number, rowShift: number, c: Coefficients, outH: number): Uint8Array {
  const out = new Uint8Array(width * outH * 3);
  for (let yy = 0; yy < outH; yy++) {
    const ymin = c.bounds[yy * 2] - rowShift;
    const count = c.bounds[yy * 2 + 1];
    const kOff = yy * c.ksize;
    for (let xx = 0; xx < width; xx++) {
      let s0 = HALF;
      let s1 = HALF;
      let s2 = HALF;
      for (let y = 0; y < count; y++) {
        const w = c.weights[kOff + y];
        const p = ((y + ymin) * width + xx) * 3;
        s0 += src[p] * w;
        s1 += src[p + 1] * w;
        s2 += src[p + 2] * w;
      }
      const o = (yy * width + xx) * 3;
      out[o] = clip8(s0);
      out[o + 1] = clip8(s1);
      out[o + 2] = clip8(s2);
    }
  }
  return out;
}

/**
 * Pillow-identical BICUBIC resize of packed RGB to width × height. Pillow (13) runs the horizontal pass
 * first, over only the source rows the vertical pass reads — except when it enlarges horizontally and
 * shrinks vertically, where it runs the vertical pass first (measured against Pillow 13.0 in
 * test/captioner/preprocess.test.ts). The order matters: each pass rounds to 8 bits.
 */
export function resizeBicubic(image: DecodedImage, width: number, height: number): Uint8Array {
  const { width: inW, height: inH, data } = image;
  const src = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (width === inW && height === inH) return Uint8Array.from(src);
  const horiz = coefficients(inW, width);
  const vert = coefficients(inH, height);
  if (width === inW) return verticalPass(src, inW, 0, vert, height);
  if (height === inH) return horizontalPass(src, inW, 0, inH, horiz, width);
  if (width > inW && height < inH) {
    return horizontalPass(verticalPass(src, inW, 0, vert, height), inW, 0, height, horiz, width);
  }
  const yFirst = vert.bounds[0];
  const yLast = vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1];
  return verticalPass(horizontalPass(src, inW, yFirst, yLast - yFirst, horiz, width), width, yFirst, vert, height);
}

export interface Normalisation {
  size: number;
  mean: readonly number[];
  std: readonly number[];
}

/** Writes one image as normalised CHW float32 into `target` at `offset` (in floats). */
export function toPixelValues(image: DecodedImage, norm: Normalisation, target: Float32Array, offset = 0): void {
  const { size, mean, std } = norm;
  const resized = resizeBicubic(image, size, size);
  const plane = size * size;
  for (let c = 0; c < 3; c++) {
    // float32 arithmetic like numpy's: (x/255 - mean) / std, each step rounded to float32.
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    for (let i = 0; i < plane; i++) {
      target[offset + c * plane + i] = Math.fround(Math.fround(Math.fround(resized[i * 3 + c]) / 255) - m) / s;
    }
  }
}
