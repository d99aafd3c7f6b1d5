import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { summarizeHallucination, truthFromCocoInstances } from '../../../metrics/hallucination/index.ts';

const FIXTURE = join(import.meta.dirname, '..', '..', 'fixtures', 'truth', 'instances_small.json');

test('a COCO instances file (val2014 shape) gives each file name the categories of its annotations', () => {
  const truth = truthFromCocoInstances(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  assert.deepEqual([...truth.keys()], ['COCO_val2014_000000000042.jpg', 'COCO_val2014_000000000073.jpg', 'COCO_val2014_000000000074.jpg']);
  assert.deepEqual([...truth.get('COCO_val2014_000000000042.jpg')!.objects].sort(), ['bicycle', 'dog', 'person']);
  assert.deepEqual([...truth.get('COCO_val2014_000000000073.jpg')!.objects].sort(), ['hot dog', 'teddy bear']);
  assert.equal(truth.get('COCO_val2014_000000000074.jpg')!.objects.size, 0);
  // nothing about colours, text or faces: those rates stay unjudged
  assert.equal(truth.get('COCO_val2014_000000000042.jpg')!.text, undefined);
});

test('CHAIR from a COCO instances file, hand-computed', () => {
  const truth = truthFromCocoInstances(JSON.parse(readFileSync(FIXTURE, 'utf8')));
  const s = summarizeHallucination([
    // dog, bicycle, person: all present
    { caption: 'A dog next to a bike and a crowd of people.', truth: truth.get('COCO_val2014_000000000042.jpg')! },
    // hot dog and teddy bear present; "dog" inside "hot dog" is no dog; the cat is hallucinated
    { caption: 'A hot dog beside a teddy bear and a cat.', truth: truth.get('COCO_val2014_000000000073.jpg')! },
    // empty image: the bear is hallucinated, the red colour is not judged
    { caption: 'A red bear on a bench.', truth: truth.get('COCO_val2014_000000000074.jpg')! },
  ]);
  assert.equal(s.mentions, 3 + 3 + 2);
  assert.equal(s.hallucinatedMentions, 0 + 1 + 2);
  assert.equal(s.chairI, 3 / 8);
  assert.equal(s.chairS, 2 / 3);
  assert.equal(s.colorWords, 0);
  assert.equal(s.wrongColorRate, null);
  assert.equal(s.wrongQuoteRate, null);
  assert.equal(s.textRecall, null);
  assert.equal(s.objectRecall, (3 + 2) / (3 + 2 + 0));
});

test('a COCO instances file with an unknown category or image id is refused with the reason', () => {
  const json = JSON.parse(readFileSync(FIXTURE, 'utf8'));
  json.annotations.push({ image_id: 42, category_id: 12, bbox: [0, 0, 1, 1], id: 99 });
  delete json.categories;
  assert.throws(() => truthFromCocoInstances(json), /unknown category_id 12/);
  assert.throws(() => truthFromCocoInstances({ images: [] }), /not a COCO instances file at annotations/);
  assert.throws(
    () => truthFromCocoInstances({ images: [], annotations: [{ image_id: 5, category_id: 1 }] }),
    /image_id 5, which is not in images/,
  );
});
