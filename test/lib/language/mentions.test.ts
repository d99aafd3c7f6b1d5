import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { extractMentions } from '../../../lib/language/mentions.ts';

describe('extractMentions', () => {
  test('nouns as singular lemmas, colours and person adjectives, explicit counts, quoted texts', () => {
    assert.deepEqual(extractMentions('Two white horses and a smiling man in dark blue near a red stop sign that reads "STOP".'), {
      nouns: ['horse', 'man', 'stop sign'],
      attributes: ['white', 'smiling', 'blue', 'red'],
      counts: [{ noun: 'horse', count: 2 }],
      quotedTexts: ['STOP'],
    });
  });

  test('irregular plurals, digits, and collective nouns that state no count', () => {
    assert.deepEqual(extractMentions('3 people and a group of horses').counts, [{ noun: 'person', count: 3 }]);
    assert.deepEqual(extractMentions('3 people and a group of horses').nouns, ['person', 'horse']);
    assert.deepEqual(extractMentions('two of the dogs').counts, []);
  });

  test('a colour word is a noun only where no noun follows it', () => {
    assert.deepEqual(extractMentions('an orange flower').nouns, ['flower']);
    assert.deepEqual(extractMentions('an orange flower').attributes, ['orange']);
    assert.deepEqual(extractMentions('an orange on a plate').nouns, ['orange', 'plate']);
  });

  test('colours stated as predicates belong to the noun before them', () => {
    assert.deepEqual(extractMentions('the car is mostly red and white, and a dog that is black').attributes, ['red', 'white', 'black']);
    assert.deepEqual(extractMentions('a man is red sign').attributes, ['red']);
  });

  test('words about the picture itself are not nouns of the scene', () => {
    assert.deepEqual(extractMentions('a close up picture of a cat on the left').nouns, ['cat']);
  });

  test('a non-string is refused clearly', () => {
    assert.throws(() => extractMentions(42 as unknown as string), /caption must be a string/);
  });
});
