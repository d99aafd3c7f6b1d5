import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  imageTruthFromTruthFile,
  parseCaption,
  parseTruthSet,
  scoreCaption,
  summarizeHallucination,
  truthFromCocoInstances,
  type ImageTruth,
} from '../../../metrics/hallucination/index.ts';

// A 1000 × 500 frame: a dog at the left (centre x .15), two horses at the right (x .8 and .9, low),
// a clock at the top centre, and a crowd of five people of whom only two are boxed.
const farm = parseTruthSet({
  version: 1,
  images: [
    {
      file: 'farm.jpg',
      width: 1000,
      height: 500,
      split: 'test',
      kind: 'objects',
      caption: 'a farm',
      objects: [
        { name: 'dog', count: 1, boxes: [[100, 200, 100, 100]] },
        {
          name: 'horse',
          count: 2,
          boxes: [
            [750, 300, 100, 100],
            [850, 300, 100, 100],
          ],
        },
        { name: 'clock', count: 1, boxes: [[450, 20, 100, 60]] },
        {
          name: 'person',
          count: 5,
          boxes: [
            [0, 0, 50, 100],
            [60, 0, 50, 100],
          ],
        },
      ],
    },
  ],
}).images[0]!;
const truth: ImageTruth = imageTruthFromTruthFile(farm);

const places = (caption: string) =>
  parseCaption(caption).positions.map(
    (p) => `${p.cls}@${[p.place.vertical, p.place.horizontal, p.place.center ? 'center' : null].filter(Boolean).join(' ')}`,
  );

test('frame positions are read with the objects they follow; relative and depth phrases are not', () => {
  assert.deepEqual(places('A dog on the left and two horses on the right.'), ['dog@left', 'horse@right']);
  // one phrase after a list places the whole list; a break ("with", a comma) starts a new list
  assert.deepEqual(places('A farm, with a dog and a horse at the bottom right'), ['dog@bottom right', 'horse@bottom right']);
  assert.deepEqual(places('A man riding a horse, with a dog on the left side of the image'), ['dog@left']);
  assert.deepEqual(places('a clock in the upper right corner and a dog in the middle of the picture'), ['clock@top right', 'dog@center']);
  assert.deepEqual(places('a dog to the right'), ['dog@right']);
  // against another thing, or in depth: no frame claim
  assert.deepEqual(places('a dog to the left of a horse, a clock at the top of the tower, a car in the middle of the road'), []);
  assert.deepEqual(places('a dog in the background and a horse in the foreground'), []);
  // a phrase with no object before it in its run places nothing
  assert.deepEqual(places('On the left, a dog'), []);
});

test('a position is wrong when no boxed instance is in that half of the frame (the middle half for "center")', () => {
  const right = scoreCaption('A dog on the left, two horses at the bottom right and a clock at the top.', truth);
  assert.equal(right.positionClaims, 3);
  assert.deepEqual(right.wrongPositions, []);
  const wrong = scoreCaption('A dog on the right, with horses on the left and a clock in the center.', truth);
  // the clock's centre (.5, .1) is above the middle half
  assert.deepEqual(wrong.wrongPositions, ['right on dog', 'left on horse', 'center on clock']);
  // one of several instances in place is enough: the horses at x .8 and .9 are both right, one dog suffices
  assert.deepEqual(scoreCaption('a horse at the bottom', truth).wrongPositions, []);
});

test('positions of absent objects or of crowds boxed in part are not judged', () => {
  const s = scoreCaption('a cat on the left and people on the right', truth);
  // the cat is a CHAIR hallucination, not a position error; only 2 of 5 people are boxed
  assert.equal(s.positionClaims, 0);
  assert.deepEqual(s.hallucinated, ['cat']);
});

test('wrong-position rate over claims, and a COCO instances file judges positions from its bboxes', () => {
  const sum = summarizeHallucination([
    { caption: 'A dog on the left and two horses on the left.', truth },
    { caption: 'A clock at the top.', truth },
  ]);
  assert.equal(sum.positionClaims, 3);
  assert.equal(sum.wrongPositionRate, 1 / 3);

  const coco = truthFromCocoInstances({
    images: [
      { id: 1, file_name: 'COCO_val2014_000000000001.jpg', width: 640, height: 480 },
      { id: 2, file_name: 'COCO_val2014_000000000002.jpg' },
    ],
    annotations: [
      { image_id: 1, category_id: 18, bbox: [500, 100, 100, 100] }, // dog, right
      { image_id: 1, category_id: 1, bbox: [10, 10, 50, 200] }, // person, left
      { image_id: 1, category_id: 1 }, // a person without a box: persons not judged
      { image_id: 2, category_id: 18, bbox: [0, 0, 10, 10] }, // no image size: not judged
    ],
  });
  const one = scoreCaption('a dog on the left and a man on the right', coco.get('COCO_val2014_000000000001.jpg')!);
  assert.equal(one.positionClaims, 1);
  assert.deepEqual(one.wrongPositions, ['left on dog']);
  assert.equal(scoreCaption('a dog on the right', coco.get('COCO_val2014_000000000002.jpg')!).positionClaims, 0);
});
