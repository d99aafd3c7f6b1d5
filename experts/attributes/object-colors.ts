/**
 * Dominant colours of one detected object, named over the object's own pixels rather than the whole box.
 *
 * Foreground estimate (why: a box around a dog on grass is half grass): colour-name back-projection.
 * 1. Every sampled pixel is named (color-names.ts). B(n) is the share of name n among the box's pixels,
 *    each weighted by 1 − 0.6·r² (r: elliptical radius, 0 at the centre, 1 at the box edge; detectors
 *    centre boxes on objects, so corners are more often background). R(n) is its share in a ring just
 *    outside the box (width 10% of the box's shorter side, ≥ 3 px, clipped to the image).
 * 2. The background's share of the box is estimated as k = min B(n)/R(n) over the ring's main names
 *    (R ≥ 10%): the box cannot hold more of the background than that. The object's weight of a name is
 *    the excess B(n) − k·R(n), kept only when the name is over-represented inside (B ≥ 1.3·R).
 *    Background colours drop out; the object's colours stay even when a neighbour of the same colour
 *    reaches into the ring (horses.jpg: a nearest-background-colour mask removed the grey horse's body
 *    with its grey neighbour), and a thin object in a big box keeps its colour (motorcycle_left.png:
 *    the red tank is 8% of the box, and is named once the wooden background's share is subtracted).
 * 3. When the ring is too small (the box covers the frame) or the object's names hold under 15% of the
 *    box, the object cannot be told from its surroundings by colour: we use the central ellipse r ≤ 0.7.
 * Naming before separating loses nothing: the output is names, so two shades with one name are one
 * colour either way.
 *
 * Shares are summed per basic term ("blue" includes "dark blue"), then reported under the object's most
 * frequent variant: an object half blue, half dark blue is one blue object, not two weak colours.
 * Colours under 20% of the object are dropped; an object with no colour over 20% gets none.
 *
 * People: what a caption's colour says of a person is their clothes ("a man in blue"), so skin pixels
 * (skin-tone.ts) do not vote. Without that a face and bare arms read "a woman in light brown" or "in
 * pink" (flower_hat.jpg, denim_shorts.jpg, cola_bottle.jpg of the truth set's tuning half).
 */
import type { DecodedImage } from '../../lib/image.ts';
import type { Box, NamedColor } from '../types.ts';
import type { BoxMask } from './salient.ts';
import { baseColor, chromaRgb, nameRgb } from './color-names.ts';
import { isSkinTone } from './skin-tone.ts';

const MAX_BOX_SAMPLES = 6000;
const MAX_RING_SAMPLES = 2000;
const OVER_REPRESENTED = 1.3;
const MIN_FOREGROUND_WEIGHT = 0.15;
export const MIN_COLOR_SHARE = 0.2;

export type ForegroundMethod = 'mask' | 'ring' | 'center';

export interface ObjectColorResult {
  colors: NamedColor[];
  method: ForegroundMethod;
  /** Share of the box's (centre-weighted) pixels taken as the object's. */
  foregroundShare: number;
}

interface Rect {
  x0: number;
  y0: number;
  x1: number; // exclusive
  y1: number;
}

export interface ObjectColorOptions {
  /** Salient mask of the box (salient.ts): when it covers a plausible share of the box, only its pixels count. */
  mask?: BoxMask | null;
  /**
   * No colour is stated unless the dominant one holds at least this share of the object's (chroma-
   * weighted) pixels: a split vote means the naming, the mask or the light is unsure.
   */
  minDominantShare?: number;
  /** Leave skin-toned pixels out of the vote (for people: their clothes are what a colour word names). */
  excludeSkin?: boolean;
}

/** Mask cover (share of the box above 0.5) outside which the mask is not trusted. */
const MASK_MIN_COVER = 0.05;
const MASK_MAX_COVER = 0.97;

export function objectColors(image: DecodedImage, box: Box, maxColors: number, options: ObjectColorOptions = {}): ObjectColorResult {
  const result = objectColorsRaw(image, box, maxColors, options.mask ?? null, options.excludeSkin ?? false);
  const minDominant = options.minDominantShare ?? 0;
  if (result.colors.length > 0 && result.colors[0].share < minDominant) return { ...result, colors: [] };
  return result;
}

function objectColorsRaw(image: DecodedImage, box: Box, maxColors: number, mask: BoxMask | null, excludeSkin: boolean): ObjectColorResult {
  const r = toRect(box, image);
  const w = r.x1 - r.x0;
  const h = r.y1 - r.y0;
  if (w < 2 || h < 2) return { colors: [], method: 'center', foregroundShare: 0 };
  if (mask) {
    const masked = maskColors(image, mask, maxColors, excludeSkin);
    if (masked) return masked;
  }

  const ring = ringShares(image, r);
  const step = Math.max(1, Math.floor(Math.sqrt((w * h) / MAX_BOX_SAMPLES)));
  const cx = (r.x0 + r.x1) / 2;
  const cy = (r.y0 + r.y1) / 2;
  const inBox = new Map<string, number>();
  const inCentre = new Map<string, number>();
  let total = 0;
  let centreTotal = 0;
  for (let y = r.y0 + (step >> 1); y < r.y1; y += step) {
    for (let x = r.x0 + (step >> 1); x < r.x1; x += step) {
      const i = (y * image.width + x) * 3;
      // Skin is neither object colour nor background: it stays out of both votes (the ring keeps it,
      // which only lowers the background estimate k when a ring colour is skin-like).
      if (excludeSkin && isSkinTone(image.data[i], image.data[i + 1], image.data[i + 2])) continue;
      const name = nameRgb(image.data[i], image.data[i + 1], image.data[i + 2]);
      const dx = (x + 0.5 - cx) / (w / 2);
      const dy = (y + 0.5 - cy) / (h / 2);
      const radius2 = dx * dx + dy * dy;
      const weight = (1 - 0.6 * Math.min(1, radius2)) * chromaWeight(image.data[i], image.data[i + 1], image.data[i + 2]);
      inBox.set(name, (inBox.get(name) ?? 0) + weight);
      total += weight;
      if (radius2 <= 0.49) {
        inCentre.set(name, (inCentre.get(name) ?? 0) + weight);
        centreTotal += weight;
      }
    }
  }
  if (ring && total > 0) {
    // Background share inside the box, estimated from the ring's main colours (≥ 10% of the ring):
    // the box holds at most this fraction of them relative to the ring.
    let k = 1;
    for (const [name, share] of ring) if (share >= 0.1) k = Math.min(k, (inBox.get(name) ?? 0) / total / share);
    const object = new Map<string, number>();
    let objectWeight = 0;
    for (const [name, weight] of inBox) {
      const excess = weight / total - k * (ring.get(name) ?? 0);
      if (excess > 0 && weight / total >= OVER_REPRESENTED * (ring.get(name) ?? 0)) {
        object.set(name, excess * total);
        objectWeight += excess * total;
      }
    }
    const foregroundShare = objectWeight / total;
    if (foregroundShare >= MIN_FOREGROUND_WEIGHT) {
      return { colors: dominant(object, objectWeight, maxColors), method: 'ring', foregroundShare: round3(foregroundShare) };
    }
  }
  return { colors: dominant(inCentre, centreTotal, maxColors), method: 'center', foregroundShare: 0 };
}

/**
 * Pixels weigh by their chroma (plus CHROMA_FLOOR, so a white or black object still has a colour): a
 * motorcycle's chrome and tyres cover more of it than its paint, but the paint is what a person names
 * (motorcycle_left.png: gray .49 / red .12 by pixel count, red first once weighted by chroma).
 */
const CHROMA_FLOOR = 8;
function chromaWeight(r: number, g: number, b: number): number {
  return chromaRgb(r, g, b) + CHROMA_FLOOR;
}

/** Colours over the mask's pixels (value > 0.5), each weighted by mask value and chroma; null when the mask is implausible. */
function maskColors(image: DecodedImage, mask: BoxMask, maxColors: number, excludeSkin: boolean): ObjectColorResult | null {
  const step = Math.max(1, Math.floor(Math.sqrt((mask.width * mask.height) / MAX_BOX_SAMPLES)));
  const byName = new Map<string, number>();
  let total = 0;
  let inside = 0;
  let samples = 0;
  for (let y = step >> 1; y < mask.height; y += step) {
    for (let x = step >> 1; x < mask.width; x += step) {
      samples++;
      const m = mask.values[y * mask.width + x];
      if (m <= 0.5) continue;
      inside++;
      const i = ((mask.top + y) * image.width + mask.left + x) * 3;
      if (excludeSkin && isSkinTone(image.data[i], image.data[i + 1], image.data[i + 2])) continue;
      const name = nameRgb(image.data[i], image.data[i + 1], image.data[i + 2]);
      const weight = m * chromaWeight(image.data[i], image.data[i + 1], image.data[i + 2]);
      byName.set(name, (byName.get(name) ?? 0) + weight);
      total += weight;
    }
  }
  const cover = samples > 0 ? inside / samples : 0;
  if (cover < MASK_MIN_COVER || cover > MASK_MAX_COVER) return null;
  return { colors: dominant(byName, total, maxColors), method: 'mask', foregroundShare: round3(cover) };
}

/** Sums weights per basic term, names each term by its most frequent variant, keeps the strong ones. */
function dominant(byName: Map<string, number>, total: number, maxColors: number): NamedColor[] {
  if (total <= 0) return [];
  const groups = new Map<string, { weight: number; variant: string; variantWeight: number }>();
  for (const [name, weight] of byName) {
    const base = baseColor(name);
    const g = groups.get(base) ?? { weight: 0, variant: name, variantWeight: -1 };
    g.weight += weight;
    if (weight > g.variantWeight) {
      g.variant = name;
      g.variantWeight = weight;
    }
    groups.set(base, g);
  }
  return [...groups.values()]
    .map((g) => ({ name: g.variant, share: round3(g.weight / total) }))
    .filter((c) => c.share >= MIN_COLOR_SHARE)
    .sort((a, b) => b.share - a.share)
    .slice(0, maxColors);
}

/** Share of each colour name in the ring outside the box; null when the ring has too few pixels. */
function ringShares(image: DecodedImage, r: Rect): Map<string, number> | null {
  const margin = Math.max(3, Math.round(0.1 * Math.min(r.x1 - r.x0, r.y1 - r.y0)));
  const outer: Rect = {
    x0: Math.max(0, r.x0 - margin),
    y0: Math.max(0, r.y0 - margin),
    x1: Math.min(image.width, r.x1 + margin),
    y1: Math.min(image.height, r.y1 + margin),
  };
  const ringArea = (outer.x1 - outer.x0) * (outer.y1 - outer.y0) - (r.x1 - r.x0) * (r.y1 - r.y0);
  if (ringArea < 30) return null;
  const step = Math.max(1, Math.floor(Math.sqrt(ringArea / MAX_RING_SAMPLES)));
  const counts = new Map<string, number>();
  let n = 0;
  for (let y = outer.y0; y < outer.y1; y += step) {
    for (let x = outer.x0; x < outer.x1; x += step) {
      if (x >= r.x0 && x < r.x1 && y >= r.y0 && y < r.y1) continue;
      const i = (y * image.width + x) * 3;
      const name = nameRgb(image.data[i], image.data[i + 1], image.data[i + 2]);
      counts.set(name, (counts.get(name) ?? 0) + 1);
      n++;
    }
  }
  if (n < 30) return null;
  for (const [name, c] of counts) counts.set(name, c / n);
  return counts;
}

function toRect(box: Box, image: DecodedImage): Rect {
  return {
    x0: Math.max(0, Math.min(image.width, Math.floor(box.x))),
    y0: Math.max(0, Math.min(image.height, Math.floor(box.y))),
    x1: Math.max(0, Math.min(image.width, Math.ceil(box.x + box.width))),
    y1: Math.max(0, Math.min(image.height, Math.ceil(box.y + box.height))),
  };
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
