/**
 * Ablation: the fuser may use only the expert outputs the subset allows. Each subset's caption is
 * checked against a grounding check that sees *only* the allowed inputs, and against what a forbidden
 * input would have added.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { configSchema } from '../../../config/schema.ts';
import { type Ablation, buildFacts } from '../../../experts/fuse/facts.ts';
import { checkGrounding } from '../../../experts/fuse/grounding.ts';
import { createFuser } from '../../../experts/fuse/index.ts';
import { extractMentions } from '../../../lib/language/mentions.ts';
import { loadFixture } from './fixtures.ts';

const SUBSETS: Ablation[] = [];
for (const objects of [false, true])
  for (const attributes of [false, true]) for (const ocr of [false, true]) SUBSETS.push({ objects, attributes, ocr });

const name = (a: Ablation) =>
  Object.entries(a)
    .filter(([, on]) => on)
    .map(([k]) => k)
    .join('+') || 'none';

async function fuse(fixture: string, ablation: Ablation) {
  const fx = loadFixture(fixture);
  const { fuse: config } = configSchema.parse({ fuse: { ablation } });
  const out = await createFuser(config).fuse({ original: fx.captions[0], detect: fx.detect, attributes: fx.attributes, ocr: fx.ocr });
  return { fx, out };
}

describe('ablation', () => {
  for (const ablation of SUBSETS) {
    test(`${name(ablation)}: records the subset and states only what it allows`, async () => {
      for (const fixture of ['dog', 'beach_sign', 'sign_stop', 'horses']) {
        const { fx, out } = await fuse(fixture, ablation);
        assert.deepEqual(out.ablation, ablation);
        const allowedOnly = checkGrounding(out.caption, { original: fx.captions[0], facts: buildFacts(fx, ablation) });
        assert.deepEqual(allowedOnly.ungrounded, [], `${fixture}: ${out.caption}`);
        const m = extractMentions(out.caption);
        if (!ablation.ocr) assert.deepEqual(m.quotedTexts, [], out.caption);
        if (!ablation.attributes) assert.deepEqual(m.attributes, [], out.caption);
        if (!ablation.objects) {
          // No object the original does not name, and no detector count.
          const originalNouns = extractMentions(fx.captions[0]).nouns;
          assert.deepEqual(
            m.nouns.filter((n) => !originalNouns.includes(n)),
            [],
            out.caption,
          );
          assert.deepEqual(m.counts, extractMentions(fx.captions[0]).counts, out.caption);
        }
      }
    });
  }

  test('each input adds its own kind of detail', async () => {
    const none = { objects: false, attributes: false, ocr: false };
    assert.equal((await fuse('dog', none)).out.caption, 'a dog sitting on a porch next to a bicycle');
    assert.equal((await fuse('dog', { ...none, objects: true })).out.caption, 'a dog sitting on a porch next to a bicycle, with a car');
    assert.equal(
      (await fuse('dog', { ...none, attributes: true })).out.caption,
      'a black dog on the left sitting on a porch next to a black bicycle',
    );
    assert.equal((await fuse('sign_street', { ...none, ocr: true })).out.caption, 'two signs that read "MAIN ST" and "PARKING" on a pole');
    // a stop sign's "STOP" is what the caption says already: nothing to quote
    assert.equal((await fuse('sign_stop', { ...none, ocr: true })).out.caption, 'a stop sign on a pole');
    assert.equal((await fuse('horses', { ...none, objects: true })).out.caption, 'a group of three horses walking in a field');
  });
});
