/** The skin-tone rule that keeps skin out of a person's colour vote. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isSkinTone } from '../../../experts/attributes/skin-tone.ts';

test('skin of light to dark complexions is skin-toned; blue, green, gray, white, black clothes are not', () => {
  for (const [r, g, b] of [
    [233, 190, 160], // light
    [217, 160, 122],
    [160, 110, 80], // medium
    [141, 90, 60], // dark
    [96, 60, 40],
  ])
    assert.equal(isSkinTone(r, g, b), true, `${r},${g},${b}`);
  for (const [r, g, b] of [
    [26, 63, 176], // blue top
    [40, 140, 60], // green
    [128, 128, 128], // gray
    [245, 245, 245], // white
    [20, 14, 10], // black, under the brightness floor
  ])
    assert.equal(isSkinTone(r, g, b), false, `${r},${g},${b}`);
});
