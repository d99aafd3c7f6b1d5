import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FuseOutput } from '../../experts/types.ts';
import { ablationLabel, enrichmentStats, type EnrichmentItem } from '../../metrics/enrichment.ts';

function fuse(caption: string, ablation: FuseOutput['ablation'], score = 1, decision: FuseOutput['decision'] = 'kept'): FuseOutput {
  return {
    caption,
    backend: 'grounded',
    model: { id: 'grounded', version: '1' },
    template: 'none',
    ablation,
    grounding: { score, claims: 2, ungrounded: [] },
    decision,
  };
}

const ALL = { objects: true, attributes: true, ocr: true };
const NO_OCR = { objects: true, attributes: true, ocr: false };

const items: EnrichmentItem[] = [
  {
    imageId: 'dog',
    original: ['a dog on a porch', 'a dog near a bike'],
    fused: [
      fuse('a brown dog on a porch next to a bicycle, with a sign that says "OPEN"', ALL, 1),
      fuse('a brown dog on a porch next to a bicycle', NO_OCR, 0.5, 'flagged'),
    ],
    detect: {
      imageWidth: 100,
      imageHeight: 100,
      objects: [
        { label: 'dog', score: 0.9, box: { x: 0, y: 0, width: 10, height: 10 } },
        { label: 'bicycle', score: 0.8, box: { x: 0, y: 0, width: 10, height: 10 } },
      ],
    },
    attributes: {
      objects: [
        { objectIndex: 0, label: 'dog', colors: [{ name: 'brown', share: 0.6 }], size: 'small', areaShare: 0.01, position: 'center' },
      ],
      counts: { dog: 1, bicycle: 1 },
    },
    ocr: { lines: [{ text: 'OPEN', confidence: 0.9, box: { x: 0, y: 0, width: 5, height: 5 }, words: [] }] },
  },
  {
    imageId: 'cat',
    original: ['a cat'],
    fused: [fuse('a cat', ALL, 1, 'fallback'), fuse('a cat', NO_OCR, 1)],
  },
];

test('caption statistics, expert contributions and grounding per ablation setting', () => {
  const s = enrichmentStats(items);
  assert.equal(s.images, 2);
  assert.equal(s.original.captions, 3);
  assert.equal(s.original.meanWords, (5 + 5 + 2) / 3);
  assert.equal(s.original.meanNouns, (2 + 2 + 1) / 3); // dog+porch, dog+bike, cat
  assert.equal(s.original.meanOcrTokens, 0);

  assert.ok(s.fused);
  assert.equal(s.fused.captions, 2);
  // The "dog" image: bicycle is a detected label new to the captions; brown is an expert colour; OPEN is OCR.
  assert.deepEqual(s.fused.contribution, { objects: 0.5, attributes: 0.5, ocr: 0.5 });
  assert.equal(s.fused.meanOcrTokens, 0.5);
  assert.equal(s.fused.groundingRate, 1);
  assert.deepEqual(s.fused.decisions, { kept: 0.5, flagged: 0, fallback: 0.5 });
  assert.ok(s.fused.meanAttributes > s.original.meanAttributes);

  assert.deepEqual(
    s.ablations.map((r) => r.label),
    ['objects+attributes+ocr', 'objects+attributes'],
  );
  const noOcr = s.ablations[1];
  assert.equal(noOcr.contribution.ocr, 0);
  assert.equal(noOcr.contribution.objects, 0.5);
  assert.equal(noOcr.groundingRate, 0.75);
  assert.equal(ablationLabel({ objects: false, attributes: false, ocr: false }), 'none');
});

test('no fused outputs: originals only, no fused row', () => {
  const s = enrichmentStats([{ imageId: 'x', original: ['two dogs'], fused: [] }]);
  assert.equal(s.fused, null);
  assert.deepEqual(s.ablations, []);
  assert.equal(s.original.meanWords, 2);
});
