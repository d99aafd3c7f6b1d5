/**
 * Naming a colour with a basic vocabulary, in CIELAB.
 *
 * Achromatic first: a colour with little chroma has no reliable hue, so it is black, dark gray, gray or
 * white by lightness alone (C* < 10, or C* < 16 when very dark, where sensor noise dominates the hue):
 * black below L* 18, dark gray below 36, white above 88. "Dark gray" exists because shaded grey
 * things (horses.jpg's roan, L* ≈ 20–35) were otherwise called black.
 *
 * Chromatic colours take the name of the nearest survey centroid (CIE76 ΔE). The centroids are the
 * xkcd colour survey's (Munroe 2010: ~5 M namings of random sRGB colours by ~220 k people; its
 * published rgb.txt gives the mean sRGB of each of the 954 most used names). We keep the 100 most
 * used names there (plus two for the blue primary and four greyish names), which include all eleven Berlin–Kay basic terms (Berlin & Kay 1969: black, white,
 * red, green, yellow, blue, brown, purple, pink, orange, grey), and file each under the basic term (or
 * light/dark variant) an English caption would use for it: "maroon" is dark red, "teal" blue, "tan"
 * light brown, "peach" orange. Naming by many survey centroids rather than one per term follows the
 * survey's own boundaries: its "brown" centroid is #653700, so a mid orange-brown is "orange"/"light
 * brown" territory, not brown.
 *
 * Names are cached per 5-bit-per-channel RGB bucket (32768 entries): neighbouring 8-bit values differ by
 * less than 1 ΔE, well below the spacing of the centroids.
 */
import { chroma, hexToLab, type Lab, srgbToLab } from './cielab.ts';

export { BASIC_COLORS } from '../../lib/language/colors.ts';

/** xkcd survey name → [its centroid (rgb.txt), the term we write]. Achromatic names are left to the lightness rule. */
const SURVEY: [string, string, string][] = [
  ['purple', '#7e1e9c', 'purple'],
  ['green', '#15b01a', 'green'],
  ['blue', '#0343df', 'blue'],
  ['pink', '#ff81c0', 'pink'],
  ['brown', '#653700', 'brown'],
  ['red', '#e50000', 'red'],
  ['light blue', '#95d0fc', 'light blue'],
  ['teal', '#029386', 'blue'],
  ['orange', '#f97306', 'orange'],
  ['light green', '#96f97b', 'light green'],
  ['magenta', '#c20078', 'pink'],
  ['yellow', '#ffff14', 'yellow'],
  ['sky blue', '#75bbfd', 'light blue'],
  ['lime green', '#89fe05', 'green'],
  ['light purple', '#bf77f6', 'light purple'],
  ['violet', '#9a0eea', 'purple'],
  ['dark green', '#033500', 'dark green'],
  ['turquoise', '#06c2ac', 'blue'],
  ['lavender', '#c79fef', 'light purple'],
  ['dark blue', '#00035b', 'dark blue'],
  ['tan', '#d1b26f', 'light brown'],
  ['cyan', '#00ffff', 'light blue'],
  ['aqua', '#13eac9', 'light blue'],
  ['forest green', '#06470c', 'dark green'],
  ['mauve', '#ae7181', 'pink'],
  ['dark purple', '#35063e', 'dark purple'],
  ['bright green', '#01ff07', 'green'],
  ['maroon', '#650021', 'dark red'],
  ['olive', '#6e750e', 'green'],
  ['salmon', '#ff796c', 'pink'],
  ['beige', '#e6daa6', 'light brown'],
  ['royal blue', '#0504aa', 'blue'],
  ['navy blue', '#001146', 'dark blue'],
  ['lilac', '#cea2fd', 'light purple'],
  ['hot pink', '#ff028d', 'pink'],
  ['light brown', '#ad8150', 'light brown'],
  ['pale green', '#c7fdb5', 'light green'],
  ['peach', '#ffb07c', 'orange'],
  ['olive green', '#677a04', 'green'],
  ['dark pink', '#cb416b', 'pink'],
  ['periwinkle', '#8e82fe', 'light purple'],
  ['sea green', '#53fca1', 'light green'],
  ['lime', '#aaff32', 'green'],
  ['indigo', '#380282', 'dark purple'],
  ['mustard', '#ceb301', 'yellow'],
  ['light pink', '#ffd1df', 'pink'],
  ['rose', '#cf6275', 'pink'],
  ['bright blue', '#0165fc', 'blue'],
  ['neon green', '#0cff0c', 'green'],
  ['burnt orange', '#c04e01', 'orange'],
  ['aquamarine', '#04d8b2', 'green'],
  ['navy', '#01153e', 'dark blue'],
  ['grass green', '#3f9b0b', 'green'],
  ['pale blue', '#d0fefe', 'light blue'],
  ['dark red', '#840000', 'dark red'],
  ['bright purple', '#be03fd', 'purple'],
  ['yellow green', '#c0fb2d', 'green'],
  ['baby blue', '#a2cffe', 'light blue'],
  ['gold', '#dbb40c', 'yellow'],
  ['mint green', '#8fff9f', 'light green'],
  ['plum', '#580f41', 'dark purple'],
  ['royal purple', '#4b006e', 'purple'],
  ['brick red', '#8f1402', 'red'],
  ['dark teal', '#014d4e', 'dark blue'],
  ['burgundy', '#610023', 'dark red'],
  ['khaki', '#aaa662', 'light brown'],
  ['blue green', '#137e6d', 'green'],
  ['seafoam green', '#7af9ab', 'light green'],
  ['kelly green', '#02ab2e', 'green'],
  ['puke green', '#9aae07', 'green'],
  ['pea green', '#8eab12', 'green'],
  ['taupe', '#b9a281', 'light brown'],
  ['dark brown', '#341c02', 'dark brown'],
  ['deep purple', '#36013f', 'dark purple'],
  ['chartreuse', '#c1f80a', 'green'],
  ['bright pink', '#fe01b1', 'pink'],
  ['light orange', '#fdaa48', 'orange'],
  ['mint', '#9ffeb0', 'light green'],
  ['pastel green', '#b0ff9d', 'light green'],
  ['sand', '#e2ca76', 'light brown'],
  ['dark orange', '#c65102', 'orange'],
  ['spring green', '#a9f971', 'light green'],
  ['puce', '#a57e52', 'light brown'],
  ['seafoam', '#80f9ad', 'light green'],
  ['army green', '#4b5d16', 'dark green'],
  ['dark yellow', '#d5b60a', 'yellow'],
  ['goldenrod', '#fac205', 'yellow'],
  ['light teal', '#90e4c1', 'light green'],
  ['rust', '#a83c09', 'brown'],
  ['deep blue', '#040273', 'dark blue'],
  ['pale pink', '#ffcfdc', 'pink'],
  // Beyond the 100 most used names: CIELAB's hue bends towards purple near the sRGB blue primary, so
  // the survey's own names for it keep #0000ff blue.
  ['primary blue', '#0804f9', 'blue'],
  ['pure blue', '#0203e2', 'blue'],
  // The survey's greyish names: a tinted grey (sky in a car's paint, a shaded white wall) is grey to
  // people, not light blue or purple.
  ['grey', '#929591', 'gray'],
  ['dark grey', '#363737', 'dark gray'],
  ['grey blue', '#6b8ba4', 'gray'],
  ['slate', '#516572', 'gray'],
];

const PROTO_LAB: { name: string; lab: Lab }[] = SURVEY.map(([, hex, name]) => ({ name, lab: hexToLab(hex) }));

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
const chromaCache = new Map<number, number>();

function bucket(r: number, g: number, b: number): number {
  return ((r >> 3) << 10) | ((g >> 3) << 5) | (b >> 3);
}

/** Name of an 8-bit sRGB colour. */
export function nameRgb(r: number, g: number, b: number): string {
  const key = bucket(r, g, b);
  let name = cache.get(key);
  if (name === undefined) {
    // Name the bucket's centre so the cached answer does not depend on which pixel filled it.
    name = nameLab(srgbToLab((r & 0xf8) | 4, (g & 0xf8) | 4, (b & 0xf8) | 4));
    cache.set(key, name);
  }
  return name;
}

/** CIELAB chroma C* of an 8-bit sRGB colour (per bucket, like nameRgb). */
export function chromaRgb(r: number, g: number, b: number): number {
  const key = bucket(r, g, b);
  let c = chromaCache.get(key);
  if (c === undefined) {
    c = chroma(srgbToLab((r & 0xf8) | 4, (g & 0xf8) | 4, (b & 0xf8) | 4));
    chromaCache.set(key, c);
  }
  return c;
}
