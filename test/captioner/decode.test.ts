/**
 * Decoding rules on hand-made logits, where the right answer is known: greedy ties go to the lowest id,
 * beam search keeps a less likely first token when its continuation wins, and stops at max length.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { beamSearch, greedy, type NextLogits } from '../../captioner/decode.ts';

const EOS = 1;
const V = 6;

/** Logits from a table keyed by the generated suffix (after the prompt [9]). */
function table(rows: Record<string, number[]>): NextLogits {
  return async (ids) => {
    const data = new Float32Array(ids.length * V);
    ids.forEach((seq, r) => {
      const key = seq.slice(1).join(',');
      const logits = rows[key];
      if (!logits) throw new Error(`no logits for prefix "${key}"`);
      data.set(logits, r * V);
    });
    return { data, vocab: V };
  };
}

const L = Math.log;

test('greedy: argmax per step, exact ties to the lowest token id, stops at eos', async () => {
  const next = table({
    '': [0, 0, 5, 5, 1, 0], // 2 and 3 tie: 2 wins
    '2': [0, 1, 0, 0, 9, 0],
    '2,4': [0, 7, 0, 0, 0, 0],
  });
  assert.deepEqual(await greedy(next, 1, { prompt: [9], eos: EOS, maxNew: 10 }), [[2, 4]]);
});

test('greedy: max length ends a sequence without eos; images in one batch decode independently', async () => {
  const next = table({ '': [0, 0, 0, 0, 0, 3], '5': [0, 0, 0, 0, 0, 3], '5,5': [0, 0, 0, 0, 0, 3] });
  assert.deepEqual(await greedy(next, 2, { prompt: [9], eos: EOS, maxNew: 3 }), [
    [5, 5, 5],
    [5, 5, 5],
  ]);
});

test('beam 2 finds the sequence greedy misses, normalised by length', async () => {
  // Greedy takes 2 (p=.6) then is unsure; 3 (p=.4) is followed by a near-certain eos.
  const next = table({
    '': [-Infinity, -Infinity, L(0.6), L(0.4), -Infinity, -Infinity],
    '2': [-Infinity, L(0.3), -Infinity, -Infinity, L(0.35), L(0.35)],
    '3': [-Infinity, L(0.99), -Infinity, -Infinity, L(0.005), L(0.005)],
    '2,4': [-Infinity, L(0.9), -Infinity, -Infinity, L(0.05), L(0.05)],
    '2,5': [-Infinity, L(0.9), -Infinity, -Infinity, L(0.05), L(0.05)],
    '3,4': [-Infinity, L(0.9), -Infinity, -Infinity, L(0.05), L(0.05)],
    '3,5': [-Infinity, L(0.9), -Infinity, -Infinity, L(0.05), L(0.05)],
  });
  assert.deepEqual(await greedy(next, 1, { prompt: [9], eos: EOS, maxNew: 5 }), [[2, 4]]);
  // Beam: "3 eos" scores (ln .4 + ln .99)/2 = -0.463; "2 eos" (ln .6 + ln .3)/2 = -0.857;
  // "2 4 eos" (ln .6 + ln .35 + ln .9)/3 = -0.555. Best: [3].
  assert.deepEqual(await beamSearch(next, 1, { prompt: [9], eos: EOS, maxNew: 5, beams: 2 }), [[3]]);
});
