import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bleu } from '../../../metrics/coco/bleu.ts';
import { cider, ciderD } from '../../../metrics/coco/cider.ts';
import { CaptionInputError, evaluateCaptions } from '../../../metrics/coco/evaluate.ts';
import { rougeLForImage } from '../../../metrics/coco/rouge.ts';

const FAST = ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'ROUGE_L', 'CIDEr-D', 'CIDEr'] as const;

test('BLEU: identical caption scores 1; brevity penalty uses the closest reference length', () => {
  const same = bleu(['a b c d'], [['a b c d']]);
  for (const v of same.corpus) assert.ok(Math.abs(v - 1) < 1e-8);
  // 2 of 2 unigrams match, reference lengths 3 and 5 → closest is 3, BP = exp(1 - 3/2).
  const short = bleu(['a b'], [['a b c', 'a b c d e']]);
  assert.ok(Math.abs(short.perImage[0][0] - Math.exp(1 - 3 / 2)) < 1e-8);
  // Ties in distance go to the shorter reference: |2-1| = |2-3| → 1, so no brevity penalty.
  const tie = bleu(['a b'], [['a', 'a c d']]);
  assert.ok(Math.abs(tie.perImage[0][0] - 0.5) < 1e-8); // one of two unigrams ("a") matches
});

test('ROUGE-L: precision and recall maximised separately, beta 1.2', () => {
  const p = 2 / 3;
  const r = 1;
  const f = ((1 + 1.44) * p * r) / (r + 1.44 * p);
  assert.ok(Math.abs(rougeLForImage('a b c', ['a c']) - f) < 1e-12);
  assert.equal(rougeLForImage('x y', ['a b']), 0);
});

test('CIDEr-D clips and penalises length; CIDEr does neither', () => {
  const refs = [['a dog runs on grass'], ['a cat sleeps on a sofa'], ['two birds fly high']];
  // Repeating an n-gram inflates the unclipped TF-IDF dot product but not the clipped one.
  const cands = ['a dog dog dog runs on grass', 'a cat sleeps on a sofa', 'two birds fly high'];
  const d = ciderD(cands, refs);
  const o = cider(cands, refs);
  assert.ok(Math.abs(d.perImage[1] - 10) < 1e-9, `exact match gives 10, got ${d.perImage[1]}`);
  assert.ok(d.perImage[0] < o.perImage[0]);
  assert.throws(() => ciderD([''], [['']]), /at least one non-empty reference/);
});

test('mismatched ids and images without references throw errors that name the ids', async () => {
  await assert.rejects(
    evaluateCaptions({ references: { a: ['x'] }, candidates: { a: 'x', b: 'y' }, metrics: FAST }),
    (e: unknown) => e instanceof CaptionInputError && e.ids.join() === 'b' && /"b"/.test(e.message),
  );
  await assert.rejects(
    evaluateCaptions({ references: { a: ['x'], c: ['z'] }, candidates: { a: 'x' }, metrics: FAST }),
    (e: unknown) => e instanceof CaptionInputError && e.ids.join() === 'c',
  );
  await assert.rejects(
    evaluateCaptions({ references: { a: [] }, candidates: { a: 'x' }, metrics: FAST }),
    (e: unknown) => e instanceof CaptionInputError && /no reference captions/.test(e.message),
  );
  await assert.rejects(evaluateCaptions({ references: {}, candidates: {}, metrics: FAST }), CaptionInputError);
});

test('empty, emoji-only and non-ASCII captions score without crashing', async () => {
  const r = await evaluateCaptions({
    references: { e: ['a dog on grass', ''], m: ['a café in Zürich', 'naïve art'], n: ['a red bus', 'a bus 🚌'] },
    candidates: { e: '', m: '😀🐶', n: 'A red bus 🚌!' },
    metrics: FAST,
  });
  assert.deepEqual(r.imageIds, ['e', 'm', 'n']);
  assert.equal(r.perImage.Bleu_1![0], 0);
  // An empty candidate against an empty reference: the toolkit's split(" ") gives one empty token each,
  // an LCS of 1 and ROUGE-L 1 — kept for parity.
  assert.equal(r.perImage.ROUGE_L![0], 1);
  assert.equal(r.perImage.ROUGE_L![1], 0);
  assert.ok(r.perImage.ROUGE_L![2] > 0.99);
  for (const m of FAST) for (const v of r.perImage[m]!) assert.ok(Number.isFinite(v), `${m} finite`);
});

test('one METEOR jar serves several evaluations with the same scores as a fresh one', { timeout: 120_000 }, async () => {
  const { MeteorScorer, meteor } = await import('../../../metrics/coco/meteor.ts');
  const cands = ['a dog runs on the grass', 'two cats sleeping on a sofa'];
  const refs = [['a dog is running on grass', 'dog on a lawn'], ['two cats sleep on a couch']];
  const scorer = new MeteorScorer();
  try {
    const [a, b] = await Promise.all([scorer.score(cands, refs), scorer.score([cands[1]], [refs[1]])]);
    const fresh = await meteor(cands, refs);
    assert.deepEqual(a, fresh);
    assert.equal(b.perImage[0], fresh.perImage[1]);
    assert.ok(a.corpus > 0 && a.corpus < 1);
  } finally {
    await scorer.close();
  }
});
