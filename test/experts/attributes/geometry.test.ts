import assert from 'node:assert/strict';
import { test } from 'node:test';
import { areaShare, countLabels, framePosition, relativeSize } from '../../../experts/attributes/geometry.ts';

test('3×3 frame positions by box centre', () => {
  const at = (cx: number, cy: number) => framePosition({ x: cx - 5, y: cy - 5, width: 10, height: 10 }, 300, 300);
  assert.equal(at(50, 50), 'top left');
  assert.equal(at(150, 50), 'top center');
  assert.equal(at(250, 50), 'top right');
  assert.equal(at(50, 150), 'middle left');
  assert.equal(at(150, 150), 'center');
  assert.equal(at(250, 150), 'middle right');
  assert.equal(at(50, 250), 'bottom left');
  assert.equal(at(150, 250), 'bottom center');
  assert.equal(at(299, 299), 'bottom right');
});

test('relative size from the share of the frame', () => {
  assert.equal(areaShare({ x: 0, y: 0, width: 50, height: 40 }, 100, 100), 0.2);
  assert.equal(relativeSize(0.01), 'small');
  assert.equal(relativeSize(0.049), 'small');
  assert.equal(relativeSize(0.05), 'medium');
  assert.equal(relativeSize(0.25), 'large');
  assert.equal(areaShare({ x: 0, y: 0, width: 500, height: 500 }, 100, 100), 1);
});

test('counts per label', () => {
  assert.deepEqual(countLabels(['horse', 'horse', 'person', 'horse']), { horse: 3, person: 1 });
  assert.deepEqual(countLabels([]), {});
});
