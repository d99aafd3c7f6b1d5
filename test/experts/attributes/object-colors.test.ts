/**
 * Colour naming over an object's pixels, on shapes rendered by sharp (real decoded pixels; the
 * detector would not find a drawn square, so the box is constructed). Boxes are drawn larger than the
 * shape so part of each box is background that must not be named.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { objectColors } from '../../../experts/attributes/object-colors.ts';
import { decodeImage } from '../../../lib/image.ts';

const SAMPLE = path.resolve(import.meta.dirname, '../../../data/sample/images');

async function render(background: string, shape: string, width = 320, height = 240) {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="${background}"/>${shape}</svg>`;
  return decodeImage(await sharp(Buffer.from(svg)).png().toBuffer());
}

const names = (r: ReturnType<typeof objectColors>) => r.colors.map((c) => c.name);

test('red disc on mid grey: red only, background corners excluded', async () => {
  const img = await render('#808080', '<circle cx="160" cy="120" r="60" fill="#d01010"/>');
  // Tight square box around the disc: its corners (21% of the box) are grey.
  const r = objectColors(img, { x: 100, y: 60, width: 120, height: 120 }, 2);
  assert.deepEqual(names(r), ['red']);
  assert.equal(r.method, 'ring');
  assert.ok(r.colors[0].share > 0.95, JSON.stringify(r));
});

test('loose box (object is half the box) on a beige-tinted background', async () => {
  const img = await render('#e8dcc0', '<rect x="130" y="90" width="60" height="60" fill="#1040c0"/>');
  const r = objectColors(img, { x: 100, y: 60, width: 120, height: 120 }, 2);
  assert.deepEqual(names(r), ['blue']);
});

test('a grey object on a grey-blue background: achromatic object named gray, not blue', async () => {
  const img = await render('#7a8aa0', '<ellipse cx="160" cy="120" rx="70" ry="50" fill="#9a9a9a"/>');
  const r = objectColors(img, { x: 85, y: 65, width: 150, height: 110 }, 2);
  assert.deepEqual(names(r), ['gray']);
});

test('white object on grey and black object on a light tint', async () => {
  const white = objectColors(
    await render('#6e6e6e', '<rect x="110" y="70" width="100" height="100" fill="#fafafa"/>'),
    { x: 100, y: 60, width: 120, height: 120 },
    2,
  );
  assert.deepEqual(names(white), ['white']);
  const black = objectColors(
    await render('#f0e6f0', '<circle cx="160" cy="120" r="55" fill="#111111"/>'),
    { x: 100, y: 60, width: 120, height: 120 },
    2,
  );
  assert.deepEqual(names(black), ['black']);
});

test('a two-coloured object reports both colours, dominant first', async () => {
  // Yellow body with a green band covering ~35% of it, on a grey background.
  const img = await render(
    '#909090',
    '<rect x="110" y="70" width="100" height="100" fill="#f5d800"/><rect x="110" y="135" width="100" height="35" fill="#0a8a0a"/>',
  );
  const r = objectColors(img, { x: 104, y: 64, width: 112, height: 112 }, 2);
  assert.deepEqual(names(r), ['yellow', 'green']);
  assert.ok(r.colors[0].share > r.colors[1].share);
  assert.equal(objectColors(img, { x: 104, y: 64, width: 112, height: 112 }, 1).colors.length, 1, 'maxColors applies');
});

test('an orange disc pasted on a real photo (china.jpg) is orange despite the busy background', async () => {
  const disc = await sharp(
    Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120"><circle cx="60" cy="60" r="56" fill="#ff8a00"/></svg>'),
  )
    .png()
    .toBuffer();
  const buf = await sharp(path.join(SAMPLE, 'china.jpg'))
    .composite([{ input: disc, left: 300, top: 150 }])
    .png()
    .toBuffer();
  const img = await decodeImage(buf);
  const r = objectColors(img, { x: 296, y: 146, width: 128, height: 128 }, 2);
  assert.equal(names(r)[0], 'orange', JSON.stringify(r));
});

test('a box covering the whole frame falls back to the central ellipse', async () => {
  const img = await render('#20a020', '<circle cx="160" cy="120" r="70" fill="#e02020"/>');
  const r = objectColors(img, { x: 0, y: 0, width: 320, height: 240 }, 2);
  assert.equal(r.method, 'center');
  assert.equal(names(r)[0], 'red');
});

test('an object the same colour as its surroundings still gets its colour from the centre', async () => {
  const img = await render('#2040d0', '<rect x="120" y="80" width="80" height="80" fill="#2242d2"/>');
  const r = objectColors(img, { x: 120, y: 80, width: 80, height: 80 }, 2);
  assert.equal(r.method, 'center');
  assert.deepEqual(names(r), ['blue']);
});

test('degenerate boxes give no colours instead of failing', async () => {
  const img = await render('#808080', '');
  assert.deepEqual(objectColors(img, { x: 10, y: 10, width: 0.5, height: 30 }, 2).colors, []);
  assert.deepEqual(objectColors(img, { x: 400, y: 400, width: 30, height: 30 }, 2).colors, []);
});

test('people: skin does not vote for their colour (a bare-armed figure in a blue top is blue, not light brown)', async () => {
  // A figure on a white wall: a skin-toned head and arms (#d9a07a, #8d5a3c: light and dark skin) around a
  // smaller blue top. Counted as is, skin outweighs the top.
  for (const skin of ['#d9a07a', '#8d5a3c']) {
    const img = await render(
      '#f4f4f4',
      `<rect x="110" y="40" width="100" height="170" fill="${skin}"/><rect x="140" y="110" width="40" height="60" fill="#1a3fb0"/>`,
    );
    const box = { x: 105, y: 35, width: 110, height: 180 };
    assert.notDeepEqual(names(objectColors(img, box, 1)), ['blue'], `${skin}: skin outweighs the top when it votes`);
    assert.deepEqual(names(objectColors(img, box, 1, { excludeSkin: true })), ['blue'], skin);
  }
});
