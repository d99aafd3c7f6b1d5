/**
 * A set of text images rendered with sharp from SVG (librsvg + fontconfig: the DejaVu families installed
 * here), with their ground truth. Used by the OCR accuracy test and by bench/experts.ts.
 *
 * Variety: fonts (sans, serif, mono, condensed, bold, oblique), sizes 18–64 px, colours, backgrounds
 * (light, dark, gradient, seeded noise), rotation within ±5°, and signs composited into real photos
 * (darknet's dog.jpg and kite.jpg from data/sample). Ground-truth lines are listed in reading order.
 */
import path from 'node:path';
import sharp, { type Sharp } from 'sharp';

export interface RenderedCase {
  name: string;
  lines: string[];
  png: Buffer;
}

interface TextLine {
  text: string;
  x: number;
  y: number; // baseline
  size: number;
  family: string;
  weight?: 'normal' | 'bold';
  style?: 'normal' | 'italic';
  stretch?: 'normal' | 'condensed';
  fill: string;
}

type Background =
  | { kind: 'flat'; color: string }
  | { kind: 'gradient'; from: string; to: string }
  | { kind: 'noise'; base: number; amplitude: number; seed: number }
  | { kind: 'photo'; file: string; left: number; top: number; panel: string };

interface Spec {
  name: string;
  width: number;
  height: number;
  background: Background;
  rotate?: number; // degrees, about the canvas centre, clockwise on screen
  lines: TextLine[];
}

const SAMPLE_DIR = path.resolve(import.meta.dirname, '../../../data/sample/images');

const SANS = 'DejaVu Sans';
const SERIF = 'DejaVu Serif';
const MONO = 'DejaVu Sans Mono';

const SPECS: Spec[] = [
  {
    name: 'sans-light',
    width: 640,
    height: 200,
    background: { kind: 'flat', color: '#ffffff' },
    lines: [
      { text: 'Welcome to Springfield', x: 30, y: 80, size: 44, family: SANS, fill: '#111111' },
      { text: 'Population 30720', x: 30, y: 150, size: 36, family: SANS, fill: '#333333' },
    ],
  },
  {
    name: 'serif-dark',
    width: 640,
    height: 220,
    background: { kind: 'flat', color: '#1b1f3a' },
    lines: [
      { text: 'Grand Hotel', x: 40, y: 90, size: 56, family: SERIF, weight: 'bold', fill: '#f4d35e' },
      { text: 'Rooms from 89 dollars', x: 40, y: 170, size: 34, family: SERIF, fill: '#ffffff' },
    ],
  },
  {
    name: 'mono-gradient',
    width: 700,
    height: 200,
    background: { kind: 'gradient', from: '#fdfbfb', to: '#9fb4c7' },
    lines: [
      { text: 'Platform 9 Departures', x: 30, y: 80, size: 40, family: MONO, fill: '#0b3d91' },
      { text: 'Train 4521 to Boston', x: 30, y: 150, size: 36, family: MONO, fill: '#222222' },
    ],
  },
  {
    name: 'condensed-noise',
    width: 640,
    height: 200,
    background: { kind: 'noise', base: 200, amplitude: 45, seed: 7 },
    lines: [
      { text: 'Coffee and Fresh Bagels', x: 30, y: 85, size: 46, family: SANS, stretch: 'condensed', weight: 'bold', fill: '#3b1f0e' },
      { text: 'Open 7 Days a Week', x: 30, y: 155, size: 38, family: SANS, fill: '#102030' },
    ],
  },
  {
    name: 'oblique-rotated-plus',
    width: 640,
    height: 240,
    background: { kind: 'flat', color: '#f0f0e8' },
    rotate: 4,
    lines: [
      { text: 'Library Hours', x: 60, y: 100, size: 48, family: SANS, style: 'italic', fill: '#202020' },
      { text: 'Monday to Friday', x: 60, y: 170, size: 38, family: SANS, fill: '#402020' },
    ],
  },
  {
    name: 'serif-rotated-minus',
    width: 640,
    height: 240,
    background: { kind: 'gradient', from: '#203040', to: '#506070' },
    rotate: -5,
    lines: [
      { text: 'Harbor Seafood Market', x: 50, y: 100, size: 40, family: SERIF, fill: '#ffffff' },
      { text: 'Since 1962', x: 50, y: 170, size: 40, family: SERIF, style: 'italic', fill: '#ffe0a0' },
    ],
  },
  {
    name: 'small-sizes',
    width: 640,
    height: 220,
    background: { kind: 'flat', color: '#fffdf5' },
    lines: [
      { text: 'Please keep the door closed', x: 20, y: 50, size: 24, family: SANS, fill: '#000000' },
      { text: 'Emergency exit only', x: 20, y: 110, size: 22, family: SERIF, fill: '#a00000' },
      { text: 'Call 555 0142 for help', x: 20, y: 170, size: 22, family: MONO, fill: '#003300' },
    ],
  },
  {
    name: 'colour-on-colour',
    width: 640,
    height: 200,
    background: { kind: 'flat', color: '#c62828' },
    lines: [
      { text: 'SALE', x: 30, y: 100, size: 64, family: SANS, weight: 'bold', fill: '#ffffff' },
      { text: 'Everything 50 Percent Off', x: 30, y: 165, size: 34, family: SANS, fill: '#ffeb3b' },
    ],
  },
  {
    name: 'noise-dark',
    width: 640,
    height: 200,
    background: { kind: 'noise', base: 40, amplitude: 35, seed: 11 },
    lines: [
      { text: 'Parking Garage Level 3', x: 30, y: 90, size: 42, family: SANS, weight: 'bold', fill: '#f5f5f5' },
      { text: 'Exit Right', x: 30, y: 160, size: 36, family: SANS, fill: '#8fd3ff' },
    ],
  },
  {
    name: 'light-weight-low-contrast',
    width: 640,
    height: 200,
    background: { kind: 'flat', color: '#e8e8e8' },
    lines: [
      { text: 'Quiet Zone', x: 30, y: 80, size: 48, family: 'DejaVu Sans Light', fill: '#555555' },
      { text: 'Study Room B2', x: 30, y: 150, size: 34, family: SERIF, fill: '#707070' },
    ],
  },
  {
    name: 'tiny-text',
    width: 480,
    height: 160,
    background: { kind: 'flat', color: '#ffffff' },
    lines: [
      { text: 'Best before 12 March 2025', x: 14, y: 40, size: 18, family: SANS, fill: '#000000' },
      { text: 'Store in a cool dry place', x: 14, y: 80, size: 18, family: SERIF, fill: '#222222' },
      { text: 'Batch 7781 Made in Canada', x: 14, y: 120, size: 17, family: MONO, fill: '#111111' },
    ],
  },
  {
    name: 'gradient-rotated-two-columns',
    width: 720,
    height: 240,
    background: { kind: 'gradient', from: '#fff7e6', to: '#ffd27f' },
    rotate: 3,
    lines: [
      { text: 'Menu', x: 40, y: 80, size: 44, family: SERIF, weight: 'bold', fill: '#5d2e0c' },
      { text: 'Soup 4', x: 400, y: 80, size: 36, family: SANS, fill: '#3a1d08' },
      { text: 'Pizza Margherita', x: 40, y: 170, size: 36, family: SANS, fill: '#3a1d08' },
      { text: 'Salad 6', x: 460, y: 170, size: 36, family: SANS, fill: '#3a1d08' },
    ],
  },
  {
    name: 'noise-mono-rotated',
    width: 640,
    height: 220,
    background: { kind: 'noise', base: 170, amplitude: 60, seed: 23 },
    rotate: -3,
    lines: [
      { text: 'Gate B17 Boarding', x: 40, y: 90, size: 40, family: MONO, weight: 'bold', fill: '#000000' },
      { text: 'Flight QF 204 Sydney', x: 40, y: 160, size: 34, family: MONO, fill: '#1a1a60' },
    ],
  },
  {
    name: 'dog-photo-sign',
    width: 0,
    height: 0,
    background: { kind: 'photo', file: 'dog.jpg', left: 420, top: 40, panel: '#1f6f3f' },
    lines: [
      { text: 'Oak Street', x: 18, y: 50, size: 40, family: SANS, weight: 'bold', fill: '#ffffff' },
      { text: 'No Dogs 24h', x: 18, y: 100, size: 32, family: SANS, fill: '#ffffff' },
    ],
  },
  {
    name: 'kite-photo-sign',
    width: 0,
    height: 0,
    background: { kind: 'photo', file: 'kite.jpg', left: 40, top: 300, panel: '#fafafa' },
    lines: [
      { text: 'Kite Festival', x: 16, y: 48, size: 38, family: SERIF, weight: 'bold', fill: '#0d47a1' },
      { text: 'June 14 Beach Park', x: 16, y: 96, size: 30, family: SERIF, fill: '#333333' },
    ],
  },
];

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function textSvg(lines: TextLine[], width: number, height: number, rotate = 0, panel?: string): string {
  const texts = lines
    .map(
      (l) =>
        `<text x="${l.x}" y="${l.y}" font-family="${l.family}" font-size="${l.size}" font-weight="${l.weight ?? 'normal'}" ` +
        `font-style="${l.style ?? 'normal'}" font-stretch="${l.stretch ?? 'normal'}" fill="${l.fill}">${escapeXml(l.text)}</text>`,
    )
    .join('');
  const rect = panel ? `<rect x="0" y="0" width="${width}" height="${height}" rx="8" fill="${panel}"/>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g transform="rotate(${rotate} ${width / 2} ${height / 2})">${rect}${texts}</g></svg>`
  );
}

/** Deterministic per-pixel noise (mulberry32), so the images are the same on every run. */
function noise(width: number, height: number, base: number, amplitude: number, seed: number): Buffer {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = Buffer.alloc(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    const v = base + (rand() * 2 - 1) * amplitude;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.max(0, Math.min(255, Math.round(v + (rand() - 0.5) * 20)));
  }
  return out;
}

async function render(spec: Spec): Promise<Buffer> {
  const bg = spec.background;
  if (bg.kind === 'photo') {
    const panelW = 360;
    const panelH = 120;
    const sign = await sharp(Buffer.from(textSvg(spec.lines, panelW, panelH, 0, bg.panel)))
      .png()
      .toBuffer();
    return sharp(path.join(SAMPLE_DIR, bg.file))
      .composite([{ input: sign, left: bg.left, top: bg.top }])
      .png()
      .toBuffer();
  }
  const { width, height } = spec;
  let base: Sharp;
  if (bg.kind === 'flat') base = sharp({ create: { width, height, channels: 3, background: bg.color } });
  else if (bg.kind === 'gradient') {
    const svg =
      `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">` +
      `<stop offset="0" stop-color="${bg.from}"/><stop offset="1" stop-color="${bg.to}"/></linearGradient></defs>` +
      `<rect width="100%" height="100%" fill="url(#g)"/></svg>`;
    base = sharp(Buffer.from(svg));
  } else base = sharp(noise(width, height, bg.base, bg.amplitude, bg.seed), { raw: { width, height, channels: 3 } });
  const text = Buffer.from(textSvg(spec.lines, width, height, spec.rotate));
  const flat = await base.png().toBuffer();
  return sharp(flat)
    .composite([{ input: text }])
    .removeAlpha()
    .png()
    .toBuffer();
}

export async function renderTextCases(): Promise<RenderedCase[]> {
  return Promise.all(SPECS.map(async (spec) => ({ name: spec.name, lines: spec.lines.map((l) => l.text), png: await render(spec) })));
}

/** Levenshtein distance over Unicode code points. */
export function editDistance(a: string, b: string): number {
  const s = [...a];
  const t = [...b];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    for (let j = 1; j <= t.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[t.length];
}

/** Ground-truth words found in the read words (multiset, exact and case-sensitive). */
export function matchedWords(truth: readonly string[], read: readonly string[]): number {
  const pool = new Map<string, number>();
  for (const w of read) pool.set(w, (pool.get(w) ?? 0) + 1);
  let hits = 0;
  for (const w of truth) {
    const left = pool.get(w) ?? 0;
    if (left > 0) {
      hits++;
      pool.set(w, left - 1);
    }
  }
  return hits;
}
