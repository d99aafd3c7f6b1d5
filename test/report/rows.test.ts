import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clipScoreRows, cocoRows, retrievalRows } from '../../report/rows.ts';

test('metric results become report rows with their own names; unavailable CLIPScore stays null', () => {
  const coco = cocoRows('test', 'fused', { imageIds: ['a'], corpus: { Bleu_4: 0.25, 'CIDEr-D': 1.5 }, perImage: {}, timingsMs: {} });
  assert.deepEqual(
    coco.map((r) => [r.name, r.value]),
    [
      ['Bleu_4', 0.25],
      ['CIDEr-D', 1.5],
    ],
  );
  assert.match(coco[1].note!, /"CIDEr"/);

  const none = clipScoreRows('test', 'generated', { status: 'unavailable', reason: 'no CLIP model configured' });
  assert.deepEqual(none, [{ name: 'CLIPScore', split: 'test', captionSource: 'generated', value: null, note: 'no CLIP model configured' }]);
  const some = clipScoreRows('test', 'generated', { status: 'ok', model: 'm', clipScore: 0.785, refClipScore: 0.8, perImage: [] });
  assert.ok(Math.abs(some[0].value! - 78.5) < 1e-9);
  assert.equal(some[1].name, 'RefCLIPScore');

  const rr = retrievalRows('test', 'generated', {
    imageToText: { R1: 10, R5: 20, R10: 30 },
    textToImage: { R1: 40, R5: 50, R10: 60 },
    meanRecall: 35,
    itcOnly: { imageToText: { R1: 0, R5: 0, R10: 0 }, textToImage: { R1: 0, R5: 0, R10: 0 }, meanRecall: 0 },
    images: 1,
    texts: 1,
    k: 16,
  });
  assert.deepEqual(
    rr.map((r) => r.value),
    [10, 20, 30, 40, 50, 60, 35],
  );
});
