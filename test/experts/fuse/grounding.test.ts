import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFacts } from '../../../experts/fuse/facts.ts';
import { checkGrounding } from '../../../experts/fuse/grounding.ts';
import { loadFixture } from './fixtures.ts';

const ALL = { objects: true, attributes: true, ocr: true };

function check(name: string, caption: string) {
  const fx = loadFixture(name);
  return checkGrounding(caption, { original: fx.captions[0], facts: buildFacts(fx, ALL) });
}

describe('grounding check catches planted hallucinations', () => {
  test('a wrong colour', () => {
    const r = check('dog', 'a white dog sitting on a porch next to a black bicycle');
    assert.deepEqual(
      r.ungrounded.map((u) => [u.kind, u.claim]),
      [['attribute', 'white dog']],
    );
    assert.ok(r.score < 1 && r.score > 0);
  });

  test('an absent object', () => {
    const r = check('dog', 'a black dog sitting on a porch next to a bicycle and a cat');
    assert.deepEqual(
      r.ungrounded.map((u) => [u.kind, u.claim]),
      [['object', 'cat']],
    );
  });

  test('a scene noun neither the caption nor an expert gives', () => {
    const r = check('dog', 'a dog sitting on a porch in the snow next to a bicycle');
    assert.deepEqual(
      r.ungrounded.map((u) => [u.kind, u.claim]),
      [['object', 'snow']],
    );
  });

  test('a misread sign, including a word hidden inside the real one', () => {
    assert.deepEqual(
      check('sign_stop', 'a red stop sign that reads "SHOP" on a pole').ungrounded.map((u) => [u.kind, u.claim]),
      [['text', 'SHOP']],
    );
    assert.deepEqual(
      check('sign_stop', 'a stop sign that reads "TOP"').ungrounded.map((u) => u.kind),
      ['text'],
    );
  });

  test('a wrong count', () => {
    const r = check('horses', 'a group of five horses walking in a field');
    assert.deepEqual(
      r.ungrounded.map((u) => [u.kind, u.claim]),
      [['count', '5 horse']],
    );
    assert.match(r.ungrounded[0].reason, /counts 3/);
  });

  test('a wrong clothing colour on a person', () => {
    const r = check('person', 'a man in red standing in a field with a dog and a horse');
    assert.deepEqual(
      r.ungrounded.map((u) => [u.kind, u.claim]),
      [['attribute', 'red man']],
    );
  });

  test('a wrong colour stated as a predicate', () => {
    assert.deepEqual(
      check('dog', 'a dog, which is white, sitting on a porch').ungrounded.map((u) => u.claim),
      ['white dog'],
    );
    assert.deepEqual(
      check('sign_stop', 'the stop sign is blue and the pole is gray').ungrounded.map((u) => u.claim),
      ['blue stop sign', 'gray pole'],
    );
    assert.deepEqual(check('sign_stop', 'the stop sign is red').ungrounded, []);
  });

  test('the score is the share of grounded claims', () => {
    // Claims: dog, white (wrong), porch, bicycle, cat (absent) → 3 of 5 grounded.
    const r = check('dog', 'a white dog on a porch next to a bicycle and a cat');
    assert.equal(r.claims, 5);
    assert.equal(r.score, 3 / 5);
  });
});

describe('grounding check accepts correct paraphrases', () => {
  const accepted: [string, string][] = [
    ['dog', 'a black puppy sitting on a porch beside a black bike, with a white automobile'],
    ['dog', 'a dog on a porch next to two bicycles and a car'],
    ['dog', 'a dog sitting on a porch next to a bicycle'],
    ['horses', 'three horses walking in a field'],
    ['horses', 'a group of 3 gray and black horses walking in a field'],
    ['person', 'a man in blue, a black dog and a horse in a field'],
    ['person', 'a person in black with a dark dog and a pony in a field, with a gray cow'],
    ['beach_sign', 'ten people on a beach near a sign that reads "beach closed", with six kites'],
    ['beach_sign', 'a smiling person and a light green kite on a beach near a sign'],
    ['beach_sign', 'people on a beach near a sign with the text "CLOSED"'],
    ['sign_street', 'two signs on a pole that read "Main St." and "Parking"'],
    ['sign_stop', 'a red stop sign on a pole'],
    // A broader noun counts every narrower detection: dog + cow + sheep.
    ['person', 'a man with three animals in a field'],
    ['sign_stop', 'one red sign that reads "Stop"'],
    ['sign_stop', 'a picture of a stop sign on a pole'],
  ];
  for (const [name, caption] of accepted) {
    test(`${name}: ${caption}`, () => {
      const r = check(name, caption);
      assert.deepEqual(r.ungrounded, []);
      assert.equal(r.score, 1);
    });
  }

  test('a caption with no claims scores 1', () => {
    assert.deepEqual(check('dog', 'a picture'), { score: 1, claims: 0, ungrounded: [] });
  });
});
