import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deltaE, srgbToLab } from '../../../experts/attributes/cielab.ts';
import { BASIC_COLORS, baseColor, nameRgb } from '../../../experts/attributes/color-names.ts';

test('sRGB → CIELAB matches reference values (D65)', () => {
  const close = (got: number, want: number) => assert.ok(Math.abs(got - want) < 0.05, `${got} vs ${want}`);
  const red = srgbToLab(255, 0, 0);
  close(red.L, 53.24);
  close(red.a, 80.09);
  close(red.b, 67.2);
  const white = srgbToLab(255, 255, 255);
  close(white.L, 100);
  close(white.a, 0);
  close(white.b, 0);
  const gray = srgbToLab(128, 128, 128);
  close(gray.L, 53.59);
  assert.ok(deltaE(srgbToLab(0, 0, 255), { L: 32.3, a: 79.19, b: -107.86 }) < 0.1);
});

const hex = (h: string) => nameRgb(parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16));

test('basic colours and their common shades get the expected names', () => {
  const cases: [string, string][] = [
    ['#ff0000', 'red'],
    ['#cc2222', 'red'],
    ['#8b0000', 'dark red'],
    ['#ff8800', 'orange'],
    ['#ffff00', 'yellow'],
    ['#ffd700', 'yellow'],
    ['#00aa00', 'green'],
    ['#006400', 'dark green'],
    ['#90ee90', 'light green'],
    ['#0000ff', 'blue'],
    // Dodger blue sits nearer the survey's "sky blue" centroid (#75bbfd) than its "blue" (#0343df).
    ['#1e90ff', 'light blue'],
    ['#0343df', 'blue'],
    ['#000080', 'dark blue'],
    ['#87ceeb', 'light blue'],
    ['#800080', 'purple'],
    ['#ff99cc', 'pink'],
    ['#ff69b4', 'pink'],
    ['#8b4513', 'brown'],
    ['#d2b48c', 'light brown'],
    ['#000000', 'black'],
    ['#101010', 'black'],
    ['#808080', 'gray'],
    ['#c0c0c0', 'gray'],
    ['#ffffff', 'white'],
    ['#f4f4f4', 'white'],
  ];
  for (const [h, want] of cases) assert.equal(hex(h), want, h);
});

test('achromatic handling: a faint tint is still gray, a dark saturated navy is not black', () => {
  assert.equal(hex('#7f7f70'), 'gray'); // C* ≈ 9
  assert.equal(hex('#30302a'), 'dark gray'); // L* ≈ 20
  assert.equal(hex('#1a1a18'), 'black'); // L* ≈ 9
  assert.equal(hex('#000080'), 'dark blue'); // L* ≈ 13 but C* ≈ 80
});

test('every name is a basic term or its light/dark variant', () => {
  for (let r = 0; r < 256; r += 17) {
    for (let g = 0; g < 256; g += 17) {
      for (let b = 0; b < 256; b += 17) {
        const name = nameRgb(r, g, b);
        assert.ok((BASIC_COLORS as readonly string[]).includes(baseColor(name)), name);
      }
    }
  }
});
