import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { type Ablation, buildFacts } from '../../../experts/fuse/facts.ts';
import { groundedFuse, positionPhrase } from '../../../experts/fuse/grounded.ts';
import { checkGrounding } from '../../../experts/fuse/grounding.ts';
import { NUMBER_WORDS, lookupNoun } from '../../../lib/language/lexicon.ts';
import { extractMentions } from '../../../lib/language/mentions.ts';
import type { DetectOutput, AttributesOutput } from '../../../experts/types.ts';
import { FIXTURE_DIR, loadFixtures } from './fixtures.ts';

const ALL: Ablation = { objects: true, attributes: true, ocr: true };
const golden: Record<string, string> = JSON.parse(readFileSync(join(FIXTURE_DIR, 'golden-grounded.json'), 'utf8'));

function words(caption: string): string[] {
  return caption.toLowerCase().match(/[a-z0-9']+/g) ?? [];
}

/** Articles agree with the sound of the next word; numbers above one take plural nouns. */
function grammarProblems(caption: string): string[] {
  const problems: string[] = [];
  const w = words(caption.replace(/"[^"]*"/g, 'QUOTE'));
  for (let i = 0; i + 1 < w.length; i++) {
    if (w[i] === w[i + 1]) problems.push(`repeated word "${w[i]}"`);
    if (w[i] === 'a' && /^[aeiou]/.test(w[i + 1])) problems.push(`"a ${w[i + 1]}"`);
    if (w[i] === 'an' && /^[^aeiou]/.test(w[i + 1])) problems.push(`"an ${w[i + 1]}"`);
    const n = NUMBER_WORDS[w[i]];
    if (n && n > 1) {
      // The counted noun is the first lexicon noun after the number (colours may come between).
      for (let j = i + 1; j < w.length && j < i + 6; j++) {
        const noun = lookupNoun(w[j]);
        if (noun) {
          if (!noun.plural && noun.lemma !== 'sheep') problems.push(`"${w[i]} ${w[j]}" is not plural`);
          break;
        }
      }
    }
  }
  return problems;
}

describe('grounded fuser on the expert-output fixtures', () => {
  for (const fx of loadFixtures()) {
    const original = fx.captions[0];
    const facts = buildFacts(fx, ALL);
    const fused = groundedFuse(original, facts);

    test(`${fx.name}: every claim is grounded`, () => {
      const report = checkGrounding(fused, { original, facts });
      assert.deepEqual(report.ungrounded, [], fused);
      assert.equal(report.score, 1);
      assert.ok(report.claims > 0);
    });

    test(`${fx.name}: articles, plurals, no repeated words`, () => {
      assert.deepEqual(grammarProblems(fused), [], fused);
    });

    test(`${fx.name}: keeps the original's nouns and words in order`, () => {
      const fusedNouns = extractMentions(fused).nouns;
      for (const noun of extractMentions(original).nouns) assert.ok(fusedNouns.includes(noun), `${noun} lost: ${fused}`);
      // Insertions only: the original's words appear in the fused caption in the same order (articles
      // excepted: "an eagle" rightly becomes "a brown eagle").
      const isArticle = (w: string) => w === 'a' || w === 'an';
      const fusedWords = words(fused).filter((w) => !isArticle(w));
      let at = 0;
      for (const w of words(original).filter((w) => !isArticle(w))) {
        at = fusedWords.indexOf(w, at);
        assert.ok(at >= 0, `"${w}" of "${original}" missing or out of order in "${fused}"`);
        at++;
      }
    });

    const sawSomething = facts.groups.length > 0 || facts.texts.length > 0;
    test(`${fx.name}: ${sawSomething ? 'adds what the experts saw' : 'the experts saw nothing: the original stays as it is'}`, () => {
      if (sawSomething) assert.ok(words(fused).length > words(original).length, fused);
      else assert.equal(fused, original);
    });

    test(`${fx.name}: matches the pinned golden output`, () => {
      assert.equal(fused, golden[fx.name]);
    });
  }
});

/**
 * Boxes are written in a 100-px frame and stored ×10 (a 1000-px photo), so even the 10-px ones are big
 * enough for their colours to be stated (fuse.minColorSide); the colour tests below use `scale: 1`.
 */
function detect(objects: [string, number, number, number, number, number][], w = 100, h = 100, scale = 10): DetectOutput {
  return {
    imageWidth: w * scale,
    imageHeight: h * scale,
    objects: objects.map(([label, score, x, y, width, height]) => ({
      label,
      score,
      box: { x: x * scale, y: y * scale, width: width * scale, height: height * scale },
    })),
  };
}
function attributes(objects: { label: string; colors?: [string, number][]; position?: string; person?: object }[]): AttributesOutput {
  return {
    objects: objects.map((o, objectIndex) => ({
      objectIndex,
      label: o.label,
      colors: (o.colors ?? []).map(([name, share]) => ({ name, share })),
      size: 'medium',
      areaShare: 0.1,
      position: o.position ?? 'center',
      ...(o.person ? { person: o.person } : {}),
    })),
    counts: {},
  };
}

describe('grounded fuser grammar', () => {
  test('a/an follows the inserted word and synonyms receive the attributes', () => {
    const facts = buildFacts(
      { detect: detect([['dog', 0.9, 0, 0, 50, 50]]), attributes: attributes([{ label: 'dog', colors: [['orange', 0.6]] }]) },
      ALL,
    );
    assert.equal(groundedFuse('a puppy asleep on a sofa', facts), 'an orange puppy asleep on a sofa');
    const owl = buildFacts(
      { detect: detect([['bird', 0.9, 0, 0, 50, 50]]), attributes: attributes([{ label: 'bird', colors: [['white', 0.6]] }]) },
      ALL,
    );
    assert.equal(groundedFuse('An owl on a branch.', owl), 'A white owl on a branch.');
  });

  test('people get expressions before and clothing colours after the noun; ages a noun implies are not repeated', () => {
    const facts = buildFacts(
      {
        detect: detect([['person', 0.9, 0, 0, 50, 90]]),
        attributes: attributes([{ label: 'person', colors: [['red', 0.5]], person: { ageGroup: 'child', expression: 'happy' } }]),
      },
      ALL,
    );
    assert.equal(groundedFuse('a boy holding a kite', facts), 'a smiling boy in red holding a kite');
    assert.equal(groundedFuse('a person on a bench', facts), 'a young smiling person in red on a bench');
  });

  test('unmentioned objects are added grouped by count with shared colour and position', () => {
    const facts = buildFacts(
      {
        detect: detect([
          ['horse', 0.9, 0, 40, 20, 20],
          ['horse', 0.8, 5, 45, 20, 20],
          ['car', 0.7, 70, 0, 20, 10],
        ]),
        attributes: attributes([
          { label: 'horse', colors: [['brown', 0.7]], position: 'middle left' },
          { label: 'horse', colors: [['brown', 0.5]], position: 'middle left' },
          { label: 'car', colors: [['red', 0.7]], position: 'top right' },
        ]),
      },
      ALL,
    );
    assert.equal(
      groundedFuse('a farm house under a cloudy sky', facts),
      'a farm house under a cloudy sky, with two brown horses on the left and a red car at the top right',
    );
    assert.equal(
      groundedFuse('a barn with a fence', facts),
      'a barn with a fence, along with two brown horses on the left and a red car at the top right',
    );
  });

  test('placeMentioned: a noun the caption has gets its side, not the center, not inside "X of Y" nor where the caption places it', () => {
    const facts = buildFacts(
      {
        detect: detect([
          ['dog', 0.9, 5, 40, 20, 20],
          ['cup', 0.9, 70, 40, 20, 20],
          ['horse', 0.9, 40, 40, 20, 20],
        ]),
        attributes: attributes([
          { label: 'dog', position: 'middle left' },
          { label: 'cup', position: 'bottom right' },
          { label: 'horse', position: 'center' },
        ]),
      },
      ALL,
    );
    const on = {};
    const fused = groundedFuse('A dog running past a horse.', facts, on);
    assert.equal(fused, 'A dog on the left running past a horse, with a cup at the bottom right.');
    assert.deepEqual(checkGrounding(fused, { original: 'A dog running past a horse.', facts }).ungrounded, []);
    assert.equal(groundedFuse('a cup of coffee and a dog', facts, on), 'a cup of coffee and a dog on the left, with a horse in the center');
    assert.equal(groundedFuse('a dog on the right of a horse', facts, on), 'a dog on the right of a horse, with a cup at the bottom right');
    // off: the caption's nouns keep no position
    assert.equal(
      groundedFuse('A dog running past a horse.', facts, { placeMentioned: false }),
      'A dog running past a horse, with a cup at the bottom right.',
    );
  });

  test('objects in the same place share one position phrase', () => {
    const facts = buildFacts(
      {
        detect: detect([
          ['cow', 0.9, 70, 40, 20, 20],
          ['sheep', 0.8, 75, 45, 20, 20],
          ['bird', 0.7, 0, 0, 10, 10],
        ]),
        attributes: attributes([
          { label: 'cow', colors: [['gray', 0.7]], position: 'middle right' },
          { label: 'sheep', colors: [['white', 0.7]], position: 'middle right' },
          { label: 'bird', colors: [['black', 0.7]], position: 'top left' },
        ]),
      },
      ALL,
    );
    assert.equal(
      groundedFuse('a field under a cloudy sky', facts),
      'a field under a cloudy sky, with a gray cow and a white sheep on the right and a black bird at the top left',
    );
  });

  test('an added sign carries what OCR read right after it', () => {
    const facts = buildFacts(
      {
        detect: detect([['stop sign', 0.9, 40, 40, 20, 20]]),
        attributes: attributes([{ label: 'stop sign', colors: [['red', 0.8]], position: 'center' }]),
        ocr: { lines: [{ text: 'STOP', confidence: 0.99, box: { x: 450, y: 450, width: 100, height: 50 }, words: [] }] },
      },
      ALL,
    );
    const fused = groundedFuse('a quiet street', facts);
    assert.equal(fused, 'a quiet street, with a red stop sign in the center that reads "STOP"');
    assert.deepEqual(checkGrounding(fused, { original: 'a quiet street', facts }).ungrounded, []);
  });

  test('a detected carrier reads only the text printed inside its box; the rest is stated on its own', () => {
    const line = (text: string, x: number, y: number) => ({ text, confidence: 0.99, box: { x, y, width: 60, height: 20 }, words: [] });
    const facts = buildFacts(
      {
        detect: detect([['book', 0.9, 0, 0, 30, 40]]),
        attributes: attributes([{ label: 'book', position: 'top left' }]),
        // a title on the book (x 0–300 px), a packet's label far to its right
        ocr: { lines: [line('OLIVIER FAUGERAS', 100, 100), line('BASMATI', 700, 600)] },
      },
      ALL,
    );
    const fused = groundedFuse('a book beside boxes of food', facts, { placeMentioned: false });
    assert.equal(fused, 'a book that reads "OLIVIER FAUGERAS" beside boxes of food, with the text "BASMATI"');
    assert.deepEqual(checkGrounding(fused, { original: 'a book beside boxes of food', facts }).ungrounded, []);
    // a carrier the detector did not find ("a sign": no COCO class) reads everything, as before
    const noBook = buildFacts({ ocr: { lines: [line('OLIVIER FAUGERAS', 100, 100), line('BASMATI', 700, 600)] } }, ALL);
    assert.equal(
      groundedFuse('a book beside boxes of food', noBook),
      'a book that reads "OLIVIER FAUGERAS" and "BASMATI" beside boxes of food',
    );
  });

  test('a singular noun naming one of several detections gets only what all of them share', () => {
    const facts = buildFacts(
      {
        detect: detect([
          ['dog', 0.9, 0, 0, 50, 50],
          ['dog', 0.8, 50, 0, 50, 50],
        ]),
        attributes: attributes([
          { label: 'dog', colors: [['black', 0.7]] },
          { label: 'dog', colors: [['white', 0.7]] },
        ]),
      },
      ALL,
    );
    // Which of the two dogs "a dog" is, is unknown: no colour; and "a dog" is not rewritten into a count.
    assert.equal(groundedFuse('a dog in the snow', facts), 'a dog in the snow');
    assert.equal(groundedFuse('dogs in the snow', facts), 'two black and white dogs in the snow');
    assert.equal(groundedFuse('some dogs in the snow', facts), 'some black and white dogs in the snow');
    assert.equal(groundedFuse('a pair of dogs in the snow', facts), 'a pair of black and white dogs in the snow');
  });

  test('OCR text with nothing in the caption to carry it is quoted at the end', () => {
    const facts = buildFacts(
      { ocr: { lines: [{ text: 'EXIT', confidence: 0.9, box: { x: 0, y: 0, width: 10, height: 5 }, words: [] }] } },
      ALL,
    );
    assert.equal(groundedFuse('a hallway with a door', facts), 'a hallway with a door, along with the text "EXIT"');
  });

  test('text the original already quotes is not quoted again', () => {
    const facts = buildFacts(
      { ocr: { lines: [{ text: 'OPEN', confidence: 0.9, box: { x: 0, y: 0, width: 10, height: 5 }, words: [] }] } },
      ALL,
    );
    assert.equal(groundedFuse('a shop sign that says "Open"', facts), 'a shop sign that says "Open"');
  });

  test('positions read as phrases', () => {
    assert.equal(positionPhrase('top left'), 'at the top left');
    assert.equal(positionPhrase('middle right'), 'on the right');
    assert.equal(positionPhrase('top center'), 'at the top');
    assert.equal(positionPhrase('center'), 'in the center');
  });

  test('a count goes where a number opens the phrase, or nowhere', () => {
    const three = (label: string) =>
      buildFacts(
        {
          detect: detect([
            [label, 0.9, 0, 0, 10, 10],
            [label, 0.8, 20, 0, 10, 10],
            [label, 0.7, 40, 0, 10, 10],
          ]),
        },
        { objects: true, attributes: false, ocr: false },
      );
    // After modifiers the parser does not know, a number would split the phrase: no count at all.
    assert.equal(groundedFuse('Wooden rowing boats pulled up on a shore.', three('boat')), 'Wooden rowing boats pulled up on a shore.');
    // First in the caption: the number takes over the capital.
    assert.equal(groundedFuse('Birds flying over a palace.', three('bird')), 'Three birds flying over a palace.');
    // After a preposition, "the", or a verb right after another noun phrase.
    assert.equal(groundedFuse('a man feeding pigeons in a park', three('bird')), 'a man feeding three pigeons in a park');
    assert.equal(groundedFuse('a roof with the birds on it', three('bird')), 'a roof with the three birds on it');
    // "full of" already says how many.
    assert.equal(groundedFuse('a field full of boats', three('boat')), 'a field full of boats');
  });

  test('a species or breed in the caption is the detected animal, not a second one', () => {
    const facts = buildFacts(
      { detect: detect([['bird', 0.9, 0, 0, 50, 50]]), attributes: attributes([{ label: 'bird', colors: [['gray', 0.8]] }]) },
      ALL,
    );
    assert.equal(groundedFuse('A hummingbird at a red feeder.', facts), 'A gray hummingbird at a red feeder.');
    // a tern is a bird too; a proper-name modifier stays in front of its noun, the colour before both
    assert.equal(groundedFuse('An Inca tern looking to the side.', facts), 'A gray Inca tern looking to the side.');
    const tv = buildFacts(
      { detect: detect([['tv', 0.9, 0, 0, 50, 50]]), attributes: attributes([{ label: 'tv', colors: [['dark gray', 0.8]] }]) },
      ALL,
    );
    assert.equal(groundedFuse('A man in front of a computer monitor.', tv), 'A man in front of a dark gray computer monitor.');
    const bottle = buildFacts(
      { detect: detect([['bottle', 0.9, 0, 0, 50, 50]]), attributes: attributes([{ label: 'bottle', colors: [['red', 0.8]] }]) },
      ALL,
    );
    assert.equal(groundedFuse('A hand holding a Coca-Cola bottle.', bottle), 'A hand holding a red Coca-Cola bottle.');
    assert.equal(groundedFuse('Wooden bottles on a shelf.', bottle), 'Wooden red bottles on a shelf.');
    const dogs = buildFacts({ detect: detect([['dog', 0.9, 0, 0, 50, 50]]) }, ALL);
    assert.equal(groundedFuse('Two spaniels at a window.', dogs), 'Two spaniels at a window.');
  });

  test("a person's role and a car's type are the detected person and car, not more beside them", () => {
    const people = buildFacts(
      {
        detect: detect([
          ['person', 0.9, 0, 0, 50, 150],
          ['person', 0.8, 60, 0, 50, 150],
        ]),
      },
      ALL,
    );
    // before "soldier" was a person noun: "…standing on a lawn, with two people"
    assert.equal(groundedFuse('Soldiers in red uniforms standing on a lawn.', people), 'Two soldiers in red uniforms standing on a lawn.');
    const cars = buildFacts({ detect: detect([['car', 0.9, 0, 0, 50, 50]]) }, ALL);
    assert.equal(groundedFuse('A vintage convertible parked on a road.', cars), 'A vintage convertible parked on a road.');
  });

  test('no colour for a box too small to name one, or for a see-through object; each drop is recorded', () => {
    const facts = buildFacts(
      {
        // scale 1: a 100-px photo, the bird's box 10 px, the glass's 50 px.
        detect: detect(
          [
            ['bird', 0.9, 0, 0, 10, 10],
            ['wine glass', 0.9, 50, 50, 50, 50],
          ],
          100,
          100,
          1,
        ),
        attributes: attributes([
          { label: 'bird', colors: [['blue', 0.9]] },
          { label: 'wine glass', colors: [['brown', 0.9]] },
        ]),
      },
      ALL,
    );
    assert.equal(groundedFuse('a bird and a glass on a table', facts), 'a bird and a glass on a table');
    assert.deepEqual(facts.droppedColors, [
      { object: 'bird', colors: ['blue'], reason: 'too_small' },
      { object: 'wine glass', colors: ['brown'], reason: 'see_through' },
    ]);
    // The threshold is the fuse config's: at 8 px the bird's colour is stated.
    const loose = buildFacts(
      { detect: detect([['bird', 0.9, 0, 0, 10, 10]], 100, 100, 1), attributes: attributes([{ label: 'bird', colors: [['blue', 0.9]] }]) },
      ALL,
      {
        minColorSide: 8,
      },
    );
    assert.equal(groundedFuse('a bird on a table', loose), 'a blue bird on a table');
  });

  test('a caption without words is refused clearly', () => {
    assert.throws(() => groundedFuse(' ... ', buildFacts({}, ALL)), /no words/);
  });
});
