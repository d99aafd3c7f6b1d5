import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  imageTruthFromTruthFile,
  parseTruthSet,
  summarizeHallucination,
  truthFromCocoInstances,
} from '../../../metrics/hallucination/index.ts';

const DATA = join(import.meta.dirname, '..', '..', '..', 'data');
const set = parseTruthSet(JSON.parse(readFileSync(join(DATA, 'truth', 'truth.json'), 'utf8')));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

test('the truth set: at least 60 photos, none from the sample set, each at most 1024 px and as annotated', async () => {
  assert.ok(set.images.length >= 60, `${set.images.length} images`);
  const sample = new Set(readdirSync(join(DATA, 'sample', 'images')).map((f) => sha(join(DATA, 'sample', 'images', f))));
  for (const im of set.images) {
    const path = join(DATA, 'truth', 'images', im.file);
    assert.ok(!sample.has(sha(path)), `${im.file} is a sample image`);
    const meta = await sharp(path).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.deepEqual([meta.width, meta.height], [im.width, im.height], im.file);
    assert.ok(Math.max(im.width, im.height) <= 1024, im.file);
    for (const o of im.objects)
      for (const [x, y, w, h] of o.boxes)
        assert.ok(x >= 0 && y >= 0 && x + w <= im.width && y + h <= im.height, `${im.file} ${o.name} box`);
  }
  assert.deepEqual(readdirSync(join(DATA, 'truth', 'images')).sort(), set.images.map((i) => i.file).sort());
});

test('the test half is the fixed 32 photos (balanced by kind); every photo added since went to tuning', () => {
  // Figures reported across versions are on these 32; a photo moved into or out of them would make
  // an old figure and a new one incomparable, and one chosen by looking at results would be tuning.
  const test = set.images.filter((i) => i.split === 'test');
  const byKind = (ims: typeof set.images) =>
    Object.fromEntries(['objects', 'text', 'decoy', 'scene'].map((k) => [k, ims.filter((i) => i.kind === k).length]));
  assert.deepEqual(byKind(test), { objects: 13, text: 5, decoy: 7, scene: 7 });
  const tuning = byKind(set.images.filter((i) => i.split === 'tuning'));
  for (const [kind, n] of Object.entries(byKind(test))) assert.ok(tuning[kind]! >= n, `${kind}: ${tuning[kind]} tuning vs ${n} test`);
});

test('instances.json and captions.jsonl agree with truth.json', () => {
  const coco = truthFromCocoInstances(JSON.parse(readFileSync(join(DATA, 'truth', 'instances.json'), 'utf8')));
  const manifest = readFileSync(join(DATA, 'truth', 'captions.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(manifest.length, set.images.length);
  for (const [i, im] of set.images.entries()) {
    assert.deepEqual([...coco.get(im.file)!.objects].sort(), [...new Set(im.objects.map((o) => o.name))].sort(), im.file);
    assert.deepEqual(manifest[i], { file: `images/${im.file}`, captions: [im.caption] });
  }
});

test('the annotated original captions hallucinate nothing the annotation contradicts', () => {
  const s = summarizeHallucination(set.images.map((im) => ({ caption: im.caption, truth: imageTruthFromTruthFile(im) })));
  assert.equal(s.hallucinatedMentions, 0);
  assert.equal(s.wrongColorRate, 0);
  // where an original caption places an object in the frame, the boxes agree
  assert.ok(s.wrongPositionRate === null || s.wrongPositionRate === 0, `wrong positions ${s.wrongPositionRate} of ${s.positionClaims}`);
  assert.ok(s.mentions > 20);
});
