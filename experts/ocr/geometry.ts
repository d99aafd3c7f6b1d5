/**
 * Plane geometry for text boxes: convex hull, minimum-area rotated rectangle, and the rectangle's
 * axis-aligned bounds. Coordinates are whatever the caller uses (det-map pixels or image pixels); x to the
 * right, y down. Angles are implied by unit vectors, never stored in degrees, so no convention can drift.
 */
import type { Box } from '../types.ts';

export interface Point {
  x: number;
  y: number;
}

/**
 * A rectangle at any angle. `u` is the unit vector of the reading direction (the side closest to
 * horizontal, pointing right, for horizontal text); `v` is `u` turned 90° clockwise on screen (pointing
 * down for horizontal text). `width` runs along `u`, `height` along `v`.
 */
export interface RotatedRect {
  center: Point;
  u: Point;
  v: Point;
  width: number;
  height: number;
}

/** Andrew's monotone chain; returns the hull counter-clockwise in a y-up sense, without collinear points. */
export function convexHull(points: readonly Point[]): Point[] {
  if (points.length <= 2) return points.slice();
  const sorted = points.slice().sort((a, b) => a.x - b.x || a.y - b.y);
  const cross = (o: Point, a: Point, b: Point): number => (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
  const lower: Point[] = [];
  for (const p of sorted) {
    while (lower.length >= 2 && cross(lower[lower.length - 2], lower[lower.length - 1], p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: Point[] = [];
  for (let i = sorted.length - 1; i >= 0; i--) {
    const p = sorted[i];
    while (upper.length >= 2 && cross(upper[upper.length - 2], upper[upper.length - 1], p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/**
 * Minimum-area enclosing rectangle of a point set (rotating calipers over hull edges: the optimum has a
 * side collinear with some hull edge). Points are taken as given (pixel centres), like OpenCV's
 * minAreaRect on a contour, so a one-pixel-thin component has height 0; DB's unclip step restores it.
 */
export function minAreaRect(points: readonly Point[]): RotatedRect {
  const hull = convexHull(points);
  if (hull.length === 0) throw new Error('minAreaRect: no points');
  if (hull.length === 1) return orient({ center: { ...hull[0] }, u: { x: 1, y: 0 }, v: { x: 0, y: 1 }, width: 0, height: 0 });
  let best: RotatedRect | null = null;
  let bestArea = Infinity;
  for (let i = 0; i < hull.length; i++) {
    const a = hull[i];
    const b = hull[(i + 1) % hull.length];
    const len = Math.hypot(b.x - a.x, b.y - a.y);
    if (len === 0) continue;
    const ux = (b.x - a.x) / len;
    const uy = (b.y - a.y) / len;
    let minU = Infinity,
      maxU = -Infinity,
      minV = Infinity,
      maxV = -Infinity;
    for (const p of hull) {
      const pu = p.x * ux + p.y * uy;
      const pv = -p.x * uy + p.y * ux;
      if (pu < minU) minU = pu;
      if (pu > maxU) maxU = pu;
      if (pv < minV) minV = pv;
      if (pv > maxV) maxV = pv;
    }
    const area = (maxU - minU) * (maxV - minV);
    // Prefer the more horizontal orientation among equal areas (axis-aligned text gives exact ties).
    if (area < bestArea - 1e-9 || (Math.abs(area - bestArea) <= 1e-9 && best && Math.abs(uy) < Math.abs(best.u.y))) {
      bestArea = area;
      const cu = (minU + maxU) / 2;
      const cv = (minV + maxV) / 2;
      best = {
        center: { x: cu * ux - cv * uy, y: cu * uy + cv * ux },
        u: { x: ux, y: uy },
        v: { x: -uy, y: ux },
        width: maxU - minU,
        height: maxV - minV,
      };
    }
  }
  return orient(best!);
}

/**
 * Re-labels a rectangle's axes so that `u` is the side direction closest to horizontal, pointing right,
 * and `v` is `u` turned clockwise on screen (pointing down). The rectangle itself is unchanged.
 */
export function orient(rect: RotatedRect): RotatedRect {
  let { u, width, height } = rect;
  if (Math.abs(u.y) > Math.abs(u.x)) {
    // The other side is closer to horizontal: swap the axes.
    u = { x: -u.y, y: u.x };
    [width, height] = [height, width];
  }
  if (u.x < 0 || (u.x === 0 && u.y > 0)) u = { x: -u.x, y: -u.y };
  return { center: rect.center, u, v: { x: -u.y, y: u.x }, width, height };
}

/** The four corners, in the order top-left, top-right, bottom-right, bottom-left of the rect's own frame. */
export function corners(rect: RotatedRect): Point[] {
  const { center: c, u, v } = rect;
  const hw = rect.width / 2;
  const hh = rect.height / 2;
  return [
    { x: c.x - hw * u.x - hh * v.x, y: c.y - hw * u.y - hh * v.y },
    { x: c.x + hw * u.x - hh * v.x, y: c.y + hw * u.y - hh * v.y },
    { x: c.x + hw * u.x + hh * v.x, y: c.y + hw * u.y + hh * v.y },
    { x: c.x - hw * u.x + hh * v.x, y: c.y - hw * u.y + hh * v.y },
  ];
}

/** Axis-aligned bounds of a rotated rect, clipped to [0, width] × [0, height], in the same pixels. */
export function boundingBox(rect: RotatedRect, imageWidth: number, imageHeight: number): Box {
  const pts = corners(rect);
  const x0 = Math.max(0, Math.min(...pts.map((p) => p.x)));
  const y0 = Math.max(0, Math.min(...pts.map((p) => p.y)));
  const x1 = Math.min(imageWidth, Math.max(...pts.map((p) => p.x)));
  const y1 = Math.min(imageHeight, Math.max(...pts.map((p) => p.y)));
  return { x: round1(x0), y: round1(y0), width: round1(Math.max(0, x1 - x0)), height: round1(Math.max(0, y1 - y0)) };
}

/** One decimal place: sub-pixel noise would otherwise make stored outputs differ run to run across CPUs. */
export function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** Union of boxes. */
export function unionBox(boxes: readonly Box[]): Box {
  const x0 = Math.min(...boxes.map((b) => b.x));
  const y0 = Math.min(...boxes.map((b) => b.y));
  const x1 = Math.max(...boxes.map((b) => b.x + b.width));
  const y1 = Math.max(...boxes.map((b) => b.y + b.height));
  return { x: round1(x0), y: round1(y0), width: round1(x1 - x0), height: round1(y1 - y0) };
}
