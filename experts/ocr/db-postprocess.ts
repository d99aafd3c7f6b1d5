/**
 * Post-processing of the DB (Differentiable Binarization) text detector's probability map into text
 * boxes, after PaddleOCR's DBPostProcess, written without OpenCV:
 *
 * 1. binarise the map at `threshold`, then dilate with a 2×2 kernel (joins characters split by a gap of
 *    one map pixel, as PaddleOCR's `use_dilation`);
 * 2. 8-connected components of the mask stand in for OpenCV's outer contours (a component's outer
 *    contour encloses exactly its pixels, and holes do not change its hull);
 * 3. each component's minimum-area rotated rectangle over its pixel centres (the hull only needs each
 *    row's leftmost and rightmost pixel, which keeps big components cheap);
 * 4. box score = mean probability over the component's pixels (PaddleOCR's "slow" polygon score;
 *    its "fast" score averages over the rectangle instead) — components below `boxThreshold` are dropped;
 * 5. unclip: DB predicts a shrunk text kernel, so the rectangle grows by d = area · ratio / perimeter on
 *    every side. Offsetting a rectangle by d with round joins and taking the min-area rectangle of the
 *    result gives exactly (w + 2d) × (h + 2d), so no polygon clipper is needed;
 * 6. map to image pixels: map pixel centre i lies at (i + 0.5) · scale − 0.5 in the image.
 *
 * Rotated rectangles are kept (not axis-aligned) so slanted text is cropped straight for recognition.
 */
import { minAreaRect, type Point, type RotatedRect } from './geometry.ts';

export interface DbOptions {
  /** Probability above which a map pixel is text. PaddleOCR: 0.3. */
  threshold: number;
  /** Minimum mean probability of a component. PaddleOCR: 0.6 (RapidOCR 0.5). */
  boxThreshold: number;
  /**
   * Unclip ratio. PaddleOCR: 1.5, RapidOCR: 1.6. 1.6 here: the slightly wider margin keeps word gaps
   * readable at line ends and reads the sample signs' spaces (1.5 lost "OPEN DAILY"'s).
   */
  unclipRatio: number;
  /** At most this many components are turned into boxes (largest first). */
  maxCandidates: number;
  dilate: boolean;
}

export const DEFAULT_DB_OPTIONS: DbOptions = {
  threshold: 0.3,
  boxThreshold: 0.6,
  unclipRatio: 1.6,
  maxCandidates: 1000,
  dilate: true,
};

/** Shorter side (map pixels) below which a component is noise; PaddleOCR's min_size = 3. */
const MIN_SIDE = 3;

export interface DetectedBox {
  rect: RotatedRect; // in image pixels
  score: number;
}

/**
 * @param prob probability map, row-major, `mapWidth × mapHeight`
 * @param scaleX image width / map width (image pixels per map pixel)
 */
export function detectBoxes(
  prob: Float32Array,
  mapWidth: number,
  mapHeight: number,
  scaleX: number,
  scaleY: number,
  options: DbOptions = DEFAULT_DB_OPTIONS,
): DetectedBox[] {
  if (prob.length !== mapWidth * mapHeight) {
    throw new Error(`probability map has ${prob.length} values, expected ${mapWidth}×${mapHeight}`);
  }
  const mask = binarise(prob, mapWidth, mapHeight, options.threshold, options.dilate);
  const components = connectedComponents(mask, prob, mapWidth, mapHeight);
  components.sort((a, b) => b.pixels - a.pixels);
  const boxes: DetectedBox[] = [];
  for (const component of components.slice(0, options.maxCandidates)) {
    const rect = minAreaRect(component.extremes);
    if (Math.min(rect.width, rect.height) < MIN_SIDE) continue;
    const score = component.probabilitySum / component.pixels;
    if (score < options.boxThreshold) continue;
    const grown = unclip(rect, options.unclipRatio);
    if (Math.min(grown.width, grown.height) < MIN_SIDE + 2) continue;
    boxes.push({ rect: toImage(grown, scaleX, scaleY), score });
  }
  return boxes;
}

function binarise(prob: Float32Array, w: number, h: number, threshold: number, dilate: boolean): Uint8Array {
  const mask = new Uint8Array(w * h);
  for (let i = 0; i < prob.length; i++) mask[i] = prob[i] > threshold ? 1 : 0;
  if (!dilate) return mask;
  // 2×2 dilation with the kernel's anchor at its top-left (OpenCV's default anchor for an even kernel is
  // its centre, which for 2×2 is (1,1)): a pixel is set if it or its left, upper or upper-left neighbour is.
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      out[i] = mask[i] | (x > 0 ? mask[i - 1] : 0) | (y > 0 ? mask[i - w] : 0) | (x > 0 && y > 0 ? mask[i - w - 1] : 0);
    }
  }
  return out;
}

interface Component {
  pixels: number;
  probabilitySum: number;
  /** Leftmost and rightmost pixel centre of every row the component touches: enough for its convex hull. */
  extremes: Point[];
}

function connectedComponents(mask: Uint8Array, prob: Float32Array, w: number, h: number): Component[] {
  const labels = new Int32Array(w * h);
  const components: Component[] = [];
  const stack: number[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || labels[start]) continue;
    const id = components.length + 1;
    const rowMin = new Map<number, number>();
    const rowMax = new Map<number, number>();
    let pixels = 0;
    let probabilitySum = 0;
    labels[start] = id;
    stack.push(start);
    while (stack.length > 0) {
      const i = stack.pop()!;
      const x = i % w;
      const y = (i - x) / w;
      pixels++;
      probabilitySum += prob[i];
      const lo = rowMin.get(y);
      if (lo === undefined || x < lo) rowMin.set(y, x);
      const hi = rowMax.get(y);
      if (hi === undefined || x > hi) rowMax.set(y, x);
      for (let dy = -1; dy <= 1; dy++) {
        const ny = y + dy;
        if (ny < 0 || ny >= h) continue;
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          if (nx < 0 || nx >= w || (dx === 0 && dy === 0)) continue;
          const j = ny * w + nx;
          if (mask[j] && !labels[j]) {
            labels[j] = id;
            stack.push(j);
          }
        }
      }
    }
    const extremes: Point[] = [];
    for (const [y, x] of rowMin) {
      extremes.push({ x, y });
      const hi = rowMax.get(y)!;
      if (hi !== x) extremes.push({ x: hi, y });
    }
    components.push({ pixels, probabilitySum, extremes });
  }
  return components;
}

/** Grows a rectangle by d = area · ratio / perimeter on every side (see the module comment). */
export function unclip(rect: RotatedRect, ratio: number): RotatedRect {
  const area = rect.width * rect.height;
  const perimeter = 2 * (rect.width + rect.height);
  const d = perimeter > 0 ? (area * ratio) / perimeter : 0;
  return { ...rect, width: rect.width + 2 * d, height: rect.height + 2 * d };
}

/**
 * Map pixels → image pixels. A non-uniform scale (x and y resized differently to reach multiples of 32)
 * turns a rotated rectangle into a parallelogram; for the small angles of real text the error is far below
 * a pixel, so the axes are scaled and re-normalised.
 */
function toImage(rect: RotatedRect, sx: number, sy: number): RotatedRect {
  const center = { x: (rect.center.x + 0.5) * sx - 0.5, y: (rect.center.y + 0.5) * sy - 0.5 };
  const ux = rect.u.x * sx;
  const uy = rect.u.y * sy;
  const ul = Math.hypot(ux, uy);
  const vx = rect.v.x * sx;
  const vy = rect.v.y * sy;
  const vl = Math.hypot(vx, vy);
  const u = { x: ux / ul, y: uy / ul };
  return { center, u, v: { x: -u.y, y: u.x }, width: rect.width * ul, height: rect.height * vl };
}
