/**
 * Renders the sample dataset's generated images (signs with known text) with sharp from SVG.
 * Run once with `npx tsx scripts/make-sample-signs.ts`; the PNGs are committed so the sample needs no fonts.
 */
import sharp from 'sharp';
import { join } from 'node:path';

const out = join(import.meta.dirname, '..', 'data', 'sample', 'images');

const stop = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
  <defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#6fa8dc"/><stop offset="1" stop-color="#cfe2f3"/></linearGradient></defs>
  <rect width="640" height="480" fill="url(#sky)"/>
  <rect x="0" y="400" width="640" height="80" fill="#6b8e23"/>
  <rect x="312" y="250" width="16" height="200" fill="#7f7f7f"/>
  <polygon points="262,70 378,70 460,152 460,268 378,350 262,350 180,268 180,152" fill="#cc0000" stroke="#ffffff" stroke-width="10"/>
  <text x="320" y="238" font-family="DejaVu Sans" font-weight="bold" font-size="84" fill="#ffffff" text-anchor="middle">STOP</text>
</svg>`;

const bakery = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
  <rect width="640" height="480" fill="#8b5a2b"/>
  <rect x="0" y="300" width="640" height="180" fill="#5c3a1a"/>
  <rect x="80" y="60" width="480" height="150" rx="12" fill="#fdf6e3" stroke="#333333" stroke-width="6"/>
  <text x="320" y="130" font-family="DejaVu Serif" font-weight="bold" font-size="62" fill="#222222" text-anchor="middle">FRESH BREAD</text>
  <text x="320" y="185" font-family="DejaVu Sans" font-size="34" fill="#b22222" text-anchor="middle">OPEN DAILY</text>
  <rect x="230" y="320" width="180" height="160" fill="#2f4f4f"/>
</svg>`;

const street = `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="480">
  <rect width="640" height="480" fill="#d9d9d9"/>
  <rect x="300" y="40" width="14" height="440" fill="#555555"/>
  <g transform="rotate(-3 307 110)">
    <rect x="150" y="80" width="320" height="70" rx="8" fill="#006b3f" stroke="#ffffff" stroke-width="4"/>
    <text x="310" y="132" font-family="DejaVu Sans" font-weight="bold" font-size="46" fill="#ffffff" text-anchor="middle">MAIN ST</text>
  </g>
  <rect x="190" y="200" width="240" height="90" rx="8" fill="#1f4e9c"/>
  <text x="310" y="262" font-family="DejaVu Sans Mono" font-weight="bold" font-size="48" fill="#ffffff" text-anchor="middle">PARKING</text>
</svg>`;

async function main(): Promise<void> {
  await sharp(Buffer.from(stop)).png().toFile(join(out, 'sign_stop.png'));
  await sharp(Buffer.from(bakery)).png().toFile(join(out, 'sign_bakery.png'));
  await sharp(Buffer.from(street)).png().toFile(join(out, 'sign_street.png'));
  // A sign inside a real photo: darknet's kite.jpg (beach) with a warning board composited on the sand.
  const board = `<svg xmlns="http://www.w3.org/2000/svg" width="360" height="150">
    <rect width="360" height="150" rx="10" fill="#ffd700" stroke="#000000" stroke-width="6"/>
    <text x="180" y="68" font-family="DejaVu Sans" font-weight="bold" font-size="50" fill="#000000" text-anchor="middle">BEACH</text>
    <text x="180" y="128" font-family="DejaVu Sans" font-weight="bold" font-size="50" fill="#000000" text-anchor="middle">CLOSED</text>
  </svg>`;
  await sharp(join(out, 'kite.jpg'))
    .composite([{ input: Buffer.from(board), left: 900, top: 640 }])
    .jpeg({ quality: 90 })
    .toFile(join(out, 'beach_sign.jpg'));
}

await main();
