/**
 * Naming a colour with a basic vocabulary, in CIELAB.
 *
 * Achromatic first: a colour with little chroma has no reliable hue, so it is black, dark gray, gray or
 * white by lightness alone (C* < 10, or C* < 16 when very dark, where sensor noise dominates the hue):
 * black below L* 18, dark gray below 36, white above 88. "Dark gray" exists because shaded grey
 * things (horses.jpg's roan, L* ≈ 20–35) were otherwise called black.
 * Chromatic colours take the name of the nearest prototype (CIE76 ΔE) from a list of named sRGB
 * colours, several per term so that dark and light shades land on the right word: navy is "dark blue",
 * sienna is "brown", sky blue is "light blue". Only light/dark variants that people use reliably are
 * kept (dark red/green/blue/purple/brown, light blue/green/purple/brown); dark orange is brown and
 * light red is pink, as English speakers name them.
 *
 * Names are cached per 5-bit-per-channel RGB bucket (32768 entries): neighbouring 8-bit values differ by
 * less than 1 ΔE, well below the spacing of the prototypes.
 */
import { chroma, hexToLab, type Lab, srgbToLab } from './cielab.ts';

export { BASIC_COLORS } from '../../lib/language/colors.ts';

const PROTOTYPES: [string, string[]][] = [
  ['red', ['#ff0000', '#dc143c', '#b22222', '#c0392b', '#e32636', '#cc0000']],
  ['dark red', ['#8b0000', '#800000', '#6b0f0f']],
  ['orange', ['#ffa500', '#ff8c00', '#ff7f00', '#e67e22', '#ff4500', '#f28c28']],
  ['yellow', ['#ffff00', '#ffd700', '#f1c40f', '#ffeb3b', '#f0e130', '#e5c100']],
  ['light yellow', ['#fffacd', '#f0e68c', '#fff59d']],
  ['green', ['#00ff00', '#008000', '#228b22', '#32cd32', '#2e8b57', '#3cb371', '#6b8e23', '#808000', '#7cfc00', '#00a86b']],
  ['dark green', ['#006400', '#013220', '#2f4f2f', '#004d00']],
  ['light green', ['#90ee90', '#98fb98', '#c1e1c1']],
  ['blue', ['#0000ff', '#4169e1', '#1e90ff', '#4682b4', '#0047ab', '#2a52be', '#007fff', '#00ced1', '#008b8b', '#5f9ea0']],
  ['dark blue', ['#000080', '#191970', '#00008b', '#002147']],
  ['light blue', ['#add8e6', '#87ceeb', '#00bfff', '#b0e0e6', '#87cefa', '#40e0d0', '#00ffff']],
  ['purple', ['#800080', '#8a2be2', '#9370db', '#9932cc', '#6a0dad', '#9400d3', '#ba55d3']],
  ['dark purple', ['#4b0082', '#301934', '#3c1361']],
  ['light purple', ['#e6e6fa', '#d8bfd8', '#c8a2c8', '#b19cd9', '#cbc3e3']],
  [
    'pink',
    [
      '#ffc0cb',
      '#ff69b4',
      '#ff1493',
      '#db7093',
      '#ffb6c1',
      '#ff00ff',
      '#c71585',
      '#f08080',
      '#fa8072',
      '#e75480',
      '#ff99cc',
      '#ffa6c9',
      '#f4c2c2',
      '#ee82ee',
    ],
  ],
  ['brown', ['#8b4513', '#a0522d', '#d2691e', '#a52a2a', '#964b00', '#8b5a2b', '#80461b', '#6f4e37', '#b8860b', '#996515']],
  ['dark brown', ['#654321', '#5c4033', '#3d2b1f', '#4a2c2a']],
  ['light brown', ['#d2b48c', '#deb887', '#c19a6b', '#f5deb3', '#e1c699', '#c8ad7f']],
];

const PROTO_LAB: { name: string; lab: Lab }[] = PROTOTYPES.flatMap(([name, hexes]) => hexes.map((h) => ({ name, lab: hexToLab(h) })));

/** The basic term behind a (possibly "light"/"dark") name: "dark blue" → "blue". */
export function baseColor(name: string): string {
  return name.replace(/^(light|dark) /, '');
}

export function nameLab(c: Lab): string {
  const C = chroma(c);
  if (C < 10 || (c.L < 25 && C < 16)) {
    if (c.L < 18) return 'black';
    if (c.L < 36) return 'dark gray';
    if (c.L > 88) return 'white';
    return 'gray';
  }
  let best = PROTO_LAB[0];
  let bestD = Infinity;
  for (const p of PROTO_LAB) {
    const d = (c.L - p.lab.L) ** 2 + (c.a - p.lab.a) ** 2 + (c.b - p.lab.b) ** 2;
    if (d < bestD) {
      bestD = d;
      best = p;
    }
  }
  return best.name;
}

const cache = new Map<number, string>();

/** Name of an 8-bit sRGB colour. */
export function nameRgb(r: number, g: number, b: number): string {
  const key = ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
  let name = cache.get(key);
  if (name === undefined) {
    // Name the bucket's centre so the cached answer does not depend on which pixel filled it.
    name = nameLab(srgbToLab((r & 0xf8) | 4, (g & 0xf8) | 4, (b & 0xf8) | 4));
    cache.set(key, name);
  }
  return name;
}
