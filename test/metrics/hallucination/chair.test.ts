import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseCaption, scoreCaption, summarizeHallucination, type ImageTruth } from '../../../metrics/hallucination/index.ts';

function truth(objects: string[], extra: Partial<ImageTruth> = {}): ImageTruth {
  return { objects: new Set(objects), maybe: new Set(), ...extra };
}

test('synonyms and plurals name their COCO class once per caption', () => {
  assert.deepEqual(parseCaption('Two puppies and a man with three bikes; the dogs chase the men.').objects, ['dog', 'person', 'bicycle']);
  assert.deepEqual(parseCaption('people, children and a ballerina').objects, ['person']);
  assert.deepEqual(parseCaption('benches, knives, buses and mice').objects, ['bench', 'knife', 'bus', 'mouse']);
});

test('multi-word class names win over their parts', () => {
  assert.deepEqual(parseCaption('a teddy bear beside a hot dog and a cell phone').objects, ['teddy bear', 'hot dog', 'cell phone']);
  assert.deepEqual(parseCaption('a brown bear and a dog').objects, ['bear', 'dog']);
  assert.deepEqual(parseCaption('a stop sign near a traffic light and a fire hydrant').objects, [
    'stop sign',
    'traffic light',
    'fire hydrant',
  ]);
  assert.deepEqual(parseCaption('a wine bottle and a wine glass on a dining table').objects, ['bottle', 'wine glass', 'dining table']);
});

test('"orange" is the fruit as a noun and the colour before a noun or another colour', () => {
  assert.deepEqual(parseCaption('an orange on a table').objects, ['orange', 'dining table']);
  assert.deepEqual(parseCaption('a cut orange next to a lime').objects, ['orange']);
  assert.deepEqual(parseCaption('two oranges').objects, ['orange']);
  assert.deepEqual(parseCaption('an orange cat').objects, ['cat']);
  assert.deepEqual(parseCaption('an orange cat').colors, [{ color: 'orange', cls: 'cat' }]);
  assert.deepEqual(parseCaption('an orange and black butterfly').objects, []);
  assert.deepEqual(parseCaption('an orange and an apple').objects, ['orange', 'apple']);
  assert.deepEqual(parseCaption('a bright orange car').objects, ['car']);
});

test('phrases that name a place or use are not the object; quoted text names nothing', () => {
  assert.deepEqual(parseCaption('a sign pointing to the car parks and a bus stop').objects, []);
  assert.deepEqual(parseCaption('a hummingbird on a bird feeder').objects, ['bird']);
  assert.deepEqual(parseCaption('a football player on a tennis court').objects, ['person']);
  assert.deepEqual(parseCaption('a sign that reads "Car Parks" and "the ship"').objects, []);
  assert.deepEqual(parseCaption('a man wearing glasses holds two wine glasses').objects, ['person', 'wine glass']);
});

test('CHAIR_i and CHAIR_s on hand-computed captions', () => {
  const dogBike = truth(['dog', 'bicycle']);
  const fruit = truth(['orange'], { maybe: new Set(['dining table']) });
  const summary = summarizeHallucination([
    // mentions dog, bicycle, cat: 1 hallucinated of 3
    { caption: 'Two brown dogs next to a bike and a cat.', truth: dogBike },
    // mentions dog: 0 of 1
    { caption: 'A puppy on a porch.', truth: dogBike },
    // orange (fruit) and a table that is "maybe": 0 of 1 (maybe classes are neither right nor wrong)
    { caption: 'An orange on a table.', truth: fruit },
    // the colour orange names no fruit; kite and bird: 2 of 2
    { caption: 'An orange kite and a bird in the sky.', truth: fruit },
  ]);
  assert.equal(summary.mentions, 3 + 1 + 1 + 2);
  assert.equal(summary.hallucinatedMentions, 1 + 0 + 0 + 2);
  assert.equal(summary.chairI, 3 / 7);
  assert.equal(summary.chairS, 2 / 4);
  assert.deepEqual(scoreCaption('An orange kite and a bird in the sky.', fruit).hallucinated, ['kite', 'bird']);
});

test('a caption naming no COCO object has CHAIR_s 0 and leaves CHAIR_i unjudged', () => {
  const s = summarizeHallucination([{ caption: 'A red squirrel eating a nut on a branch.', truth: truth([]) }]);
  assert.equal(s.mentions, 0);
  assert.equal(s.chairI, null);
  assert.equal(s.chairS, 0);
});
