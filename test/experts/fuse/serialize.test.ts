import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildFacts } from '../../../experts/fuse/facts.ts';
import {
  CHAT_TEMPLATE,
  SEQ2SEQ_TEMPLATE,
  chatMessages,
  serializeFacts,
  seq2seqPrompt,
  templateTag,
} from '../../../experts/fuse/serialize.ts';
import { loadFixture } from './fixtures.ts';

const ALL = { objects: true, attributes: true, ocr: true };

describe('serializing expert outputs for a model fuser', () => {
  test('objects grouped with counts, attributes and positions, most salient first; texts with confidence', () => {
    const beach = loadFixture('beach_sign');
    assert.deepEqual(serializeFacts(buildFacts(beach, ALL)), {
      objects: [
        '10 people: dark purple, dark blue, blue, black; smiling (1 of 10); at the bottom left, on the left, on the right; small',
        // The 21-px pink-and-brown and the 19-px blue kite are too small for a colour (fuse.minColorSide).
        '6 kites: light green, gray; at the top, at the top left, on the right; small',
      ],
      texts: ['"BEACH CLOSED" (confidence 0.99)'],
    });
    const dog = serializeFacts(buildFacts(loadFixture('dog'), ALL)).objects;
    assert.deepEqual(dog, [
      '2 bicycles: black, brown; in the center, at the top left; large, small',
      '1 dog: black, dark gray; on the left; medium',
      '1 car: white; at the top right; small',
    ]);
  });

  test('a page of text is quoted up to maxTextWords, marked as cut', () => {
    assert.deepEqual(serializeFacts(buildFacts(loadFixture('page'), ALL)).texts, ['"Region-based segmentation…" (confidence 0.96)']);
  });

  test('person attributes are listed', () => {
    const facts = buildFacts(
      {
        detect: { imageWidth: 10, imageHeight: 10, objects: [{ label: 'person', score: 0.9, box: { x: 0, y: 0, width: 5, height: 9 } }] },
        attributes: {
          objects: [
            {
              objectIndex: 0,
              label: 'person',
              colors: [],
              size: 'large',
              areaShare: 0.45,
              position: 'center',
              person: { ageGroup: 'senior', expression: 'happy' },
            },
          ],
          counts: { person: 1 },
        },
      },
      ALL,
    );
    assert.deepEqual(serializeFacts(facts).objects, ['1 person: elderly, smiling; in the center; large']);
  });

  test('bounded: a crowded image is cut at whole lines within maxGroups and maxChars', () => {
    const objects = Array.from({ length: 40 }, (_, i) => ({
      label: ['dog', 'cat', 'car', 'bus', 'kite', 'horse', 'cow', 'sheep', 'bird', 'boat', 'chair', 'bench'][i % 12],
      score: 0.9 - i / 100,
      box: { x: i, y: i, width: 10, height: 10 },
    }));
    const facts = buildFacts({ detect: { imageWidth: 100, imageHeight: 100, objects } }, ALL);
    assert.equal(serializeFacts(facts).objects.length, 8);
    const tight = serializeFacts(facts, { maxGroups: 12, maxChars: 40 });
    assert.ok(tight.objects.join('\n').length <= 40);
    assert.ok(tight.objects.length >= 1 && tight.objects.length < 12);
  });

  test('without the detector (objects ablated) no counts are given', () => {
    const facts = buildFacts(loadFixture('horses'), { objects: false, attributes: true, ocr: true });
    assert.deepEqual(
      serializeFacts(facts).objects.map((l) => l.split(':')[0]),
      ['horse'],
    );
  });

  test('templates are versioned and carry the caption and the facts', () => {
    assert.equal(templateTag(CHAT_TEMPLATE), 'fusecap-chat@1');
    assert.equal(templateTag(SEQ2SEQ_TEMPLATE), 'fusecap-seq2seq@1');
    const fx = loadFixture('sign_stop');
    const facts = buildFacts(fx, ALL);
    const [system, user] = chatMessages(fx.captions[0], facts);
    assert.equal(system.role, 'system');
    assert.match(system.content, /never mention anything that is not in the caption or the lists/);
    assert.equal(
      user.content,
      'Caption: a stop sign on a pole\nObjects: \n- 1 stop sign: red; in the center; large\nText in the image: \n- "STOP" (confidence 0.99)',
    );
    assert.equal(
      seq2seqPrompt(fx.captions[0], facts),
      'Combine the caption and the detected objects and text into one detailed caption.\nCaption: a stop sign on a pole\nObjects: 1 stop sign: red; in the center; large\nText: "STOP" (confidence 0.99)\nDetailed caption:',
    );
  });
});
