/**
 * The geometry under the DB post-processing: minimum-area rectangles recover a slanted text box's size
 * and direction, axes follow the reading-direction convention, and unclip grows by area·ratio/perimeter.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { boundingBox, minAreaRect, type Point } from '../../../experts/ocr/geometry.ts';
import { unclip } from '../../../experts/ocr/db-postprocess.ts';

/** Pixel centres filling a w×h rectangle turned by `degrees` (clockwise on screen) about (cx, cy). */
function rotatedGrid(cx: number, cy: number, w: number, h: number, degrees: number): Point[] {
  const a = (degrees * Math.PI) / 180;
  const points: Point[] = [];
  for (let y = -h / 2; y <= h / 2; y += 0.5) {
    for (let x = -w / 2; x <= w / 2; x += 0.5) {
      points.push({ x: cx + x * Math.cos(a) - y * Math.sin(a), y: cy + x * Math.sin(a) + y * Math.cos(a) });
    }
  }
  return points;
}

test('minAreaRect recovers a slanted box, u along the text, v pointing down', () => {
  for (const degrees of [-5, 0, 4, 30]) {
    const rect = minAreaRect(rotatedGrid(200, 100, 120, 30, degrees));
    assert.ok(Math.abs(rect.width - 120) < 0.01 && Math.abs(rect.height - 30) < 0.01, `${degrees}°: ${rect.width}×${rect.height}`);
    assert.ok(Math.abs(rect.center.x - 200) < 0.01 && Math.abs(rect.center.y - 100) < 0.01);
    const angle = (Math.atan2(rect.u.y, rect.u.x) * 180) / Math.PI;
    assert.ok(Math.abs(angle - degrees) < 0.01, `${degrees}°: u at ${angle}°`);
    assert.ok(Math.abs(rect.v.x + rect.u.y) < 1e-9 && Math.abs(rect.v.y - rect.u.x) < 1e-9, 'v is u turned 90° clockwise on screen');
  }
});

test('a tall box keeps u as its most horizontal side', () => {
  const rect = minAreaRect(rotatedGrid(50, 50, 10, 80, 2));
  assert.ok(rect.u.x > 0.99 && Math.abs(rect.width - 10) < 0.01 && Math.abs(rect.height - 80) < 0.01);
});

test('unclip grows each side by area·ratio/perimeter; boundingBox clips to the image', () => {
  const rect = minAreaRect(rotatedGrid(20, 10, 40, 10, 0));
  const grown = unclip(rect, 1.5);
  const d = (40 * 10 * 1.5) / (2 * (40 + 10)); // 6 px
  assert.ok(Math.abs(grown.width - (40 + 2 * d)) < 1e-6 && Math.abs(grown.height - (10 + 2 * d)) < 1e-6);
  assert.deepEqual(boundingBox(grown, 100, 100), { x: 0, y: 0, width: 46, height: 21 });
});
