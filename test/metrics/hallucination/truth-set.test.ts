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

test('the split is half and half and balanced by kind', () => {
  const tuning = set.images.filter((i) => i.split === 'tuning').length;
  assert.ok(Math.abs(tuning - (set.images.length - tuning)) <= 1);
  for (const kind of ['objects', 'text', 'decoy', 'scene'] as const) {
    const of = set.images.filter((i) => i.kind === kind);
    const t = of.filter((i) => i.split === 'tuning').length;
    assert.ok(Math.abs(t - (of.length - t)) <= 1, `${kind}: ${t} of ${of.length} in tuning`);
  }
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
  assert.ok(s.mentions > 20);
});
