/**
 * Class-wise greedy non-maximum suppression. Boxes are {x, y, width, height} in any one pixel space;
 * overlap between different labels is allowed (a person on a horse keeps both).
 */
import type { Box } from '../types.ts';

export interface Candidate {
  label: string;
  score: number;
  box: Box;
}

export function iou(a: Box, b: Box): number {
  const ix = Math.max(0, Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x));
  const iy = Math.max(0, Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y));
  const inter = ix * iy;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

export interface NmsOptions {
  minScore: number;
  /** A box is dropped when it overlaps a kept box of the same label by more than this IoU. */
  iouThreshold: number;
  maxObjects: number;
}

/** Returns the kept candidates sorted by score, descending; input order does not matter. */
export function classwiseNms<T extends Candidate>(candidates: readonly T[], options: NmsOptions): T[] {
  const sorted = candidates
    .filter((c) => c.score >= options.minScore && c.box.width > 0 && c.box.height > 0)
    .sort((a, b) => b.score - a.score);
  const kept: T[] = [];
  for (const c of sorted) {
    if (kept.length >= options.maxObjects) break;
    if (kept.some((k) => k.label === c.label && iou(k.box, c.box) > options.iouThreshold)) continue;
    kept.push(c);
  }
  return kept;
}
