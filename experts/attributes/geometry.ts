/**
 * Where an object is and how big it looks, in words a caption can use. Relative to the frame, not in
 * absolute pixels (COCO's 32²/96² small/medium/large is about pixel counts, which say little in a
 * caption): small < 5% of the image area, medium < 25%, large ≥ 25%.
 * Position is the 3×3 cell of the box centre: "top left", "top center", "top right", "middle left",
 * "center", "middle right", "bottom left", "bottom center", "bottom right".
 */
import type { Box, FramePosition, RelativeSize } from '../types.ts';

export const SMALL_BELOW = 0.05;
export const MEDIUM_BELOW = 0.25;

export function areaShare(box: Box, imageWidth: number, imageHeight: number): number {
  const area = imageWidth * imageHeight;
  return area > 0 ? Math.min(1, Math.max(0, (box.width * box.height) / area)) : 0;
}

export function relativeSize(share: number): RelativeSize {
  return share < SMALL_BELOW ? 'small' : share < MEDIUM_BELOW ? 'medium' : 'large';
}

const ROWS = ['top', 'middle', 'bottom'];
const COLS = ['left', 'center', 'right'];

export function framePosition(box: Box, imageWidth: number, imageHeight: number): FramePosition {
  const col = Math.min(2, Math.max(0, Math.floor(((box.x + box.width / 2) / imageWidth) * 3)));
  const row = Math.min(2, Math.max(0, Math.floor(((box.y + box.height / 2) / imageHeight) * 3)));
  if (row === 1 && col === 1) return 'center';
  return `${ROWS[row]} ${COLS[col]}`;
}

export function countLabels(labels: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const l of labels) counts[l] = (counts[l] ?? 0) + 1;
  return counts;
}
