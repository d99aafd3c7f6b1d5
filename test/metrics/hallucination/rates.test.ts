import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  rateIntervals,
  scoreCaption,
  summarizeHallucination,
  textMatches,
  wilsonInterval,
  type ImageTruth,
} from '../../../metrics/hallucination/index.ts';

const street: ImageTruth = {
  objects: new Set(['person', 'car', 'stop sign']),
  maybe: new Set(),
  colors: new Map([
    ['car', ['red']],
    ['person', ['white', 'black']],
    ['stop sign', []],
  ]),
  text: ['NOTICE', 'DOUBLE', 'PARKING', 'PROHIBITED', 'AT ALL TIMES', 'NO PARKING', 'NO PARKING'],
  textMinor: ['C42'],
  expressions: [],
};

test('a colour is wrong when it is none of the object’s true colours; unannotated or absent objects are not judged', () => {
  const s = scoreCaption('A dark brown car, a man in a white shirt, a person in black, a green stop sign and a blue bus.', street);
  // judged: brown→car (wrong), white→person (right), black→person (right); stop sign has no colours; bus is absent
  assert.equal(s.colorWords, 3);
  assert.deepEqual(s.wrongColors, [{ color: 'brown', cls: 'car' }]);
  // "silver" is right for a gray object and "grey" is "gray"
  const gray: ImageTruth = { objects: new Set(['car']), maybe: new Set(), colors: new Map([['car', ['gray']]]) };
  assert.equal(scoreCaption('a silver car and a grey car', gray).wrongColors.length, 0);
});

test('an expression is wrong when no readable face shows it', () => {
  const s = scoreCaption('A sad person in black next to an angry man.', street);
  assert.equal(s.expressionWords, 2);
  assert.deepEqual(s.wrongExpressions, ['sad', 'angry']);
  const smiling: ImageTruth = { ...street, expressions: ['smiling', 'happy'] };
  const t = scoreCaption('a smiling man and a sad woman', smiling);
  assert.deepEqual(t.wrongExpressions, ['sad']);
  // before a noun that is no person, the word is no claim about a face; after a person, or before a face noun, it is
  const lake = scoreCaption('A calm lake at dusk, a happy dog and a serious, calm face beside a man smiling at the camera.', street);
  assert.deepEqual(lake.wrongExpressions, ['serious', 'calm', 'smiling']);
  assert.deepEqual(scoreCaption('a smiling woman and two angry men', street).wrongExpressions, ['smiling', 'angry']);
});

test('quotes: exact and noisy lines, parts of a line, and quotes that join several lines', () => {
  assert.equal(textMatches('no parking', street.text!), true);
  assert.equal(textMatches('NO-PARKING', street.text!), true);
  assert.equal(textMatches('DOUBLE PARKING PROHIBITED AT ALL TIMES', street.text!), true); // five lines joined
  assert.equal(textMatches('PROHIBITED AT ALL TIMES', street.text!), true);
  assert.equal(textMatches('ALL TIMES', street.text!), true); // part of one line
  assert.equal(textMatches('C42', [...street.text!, ...street.textMinor!]), true);
  // OCR misreads at ≥ 0.1 normalised edit distance are not the text
  assert.equal(textMatches('Wivenioe rark', ['Sports Centre', 'Wivenhoe Park']), false);
  assert.equal(textMatches('gallerlies the ship', ['priory galleries at the ship']), false);
  assert.equal(textMatches('GM 126', ['GM 125']), false);
  assert.equal(textMatches('WEEKmeda', ['unicef', 'WEEKmedia']), false);
  // one misread word is not diluted by a long quote of several lines
  const sign = ['Sports Centre', 'Wivenhoe Park', 'Conference Centre', 'Car Parks'];
  assert.equal(textMatches('Sports Centre Wivenioe -ark Conference Centre Car Parks', sign), false);
  assert.equal(textMatches('Sports Centre Wivenhoe Park Conference Centre Car Parks', sign), true);
  // spacing lost or added by OCR is the same text
  assert.equal(textMatches('NOPARKING', street.text!), true);
  assert.equal(textMatches('GM125', ['GM 125']), true);
  // lines not in order on the sign do not join, nor lines with one left out between them
  assert.equal(textMatches('TIMES NOTICE', street.text!), false);
  assert.equal(textMatches('Sports Centre Conference Centre Car Parks', sign), false);
  // the multiplication sign printed in sizes is the letter an annotator types ("5 x 500" on a box)
  assert.equal(textMatches('5×500', ['5x500']), true);
  assert.equal(textMatches('5×500', ['5x600']), false);
});

test('wrong-quote rate counts each quoted span', () => {
  const s = summarizeHallucination([
    { caption: 'a barrier that reads "NO PARKING" and "NO PARKING"', truth: street },
    { caption: 'a sign that reads "NOTICE DOUBLE PARKING" and "Wivenioe rark"', truth: street },
  ]);
  assert.equal(s.quotes, 4);
  assert.equal(s.wrongQuoteRate, 1 / 4);
});

test('recall and added share on hand-computed captions', () => {
  const truth: ImageTruth = {
    objects: new Set(['person', 'car', 'bicycle']),
    maybe: new Set(),
    colors: new Map(),
    text: ['NO PARKING', 'GM 125'],
  };
  const originals = ['A man riding a bike down a street.'];
  const s = summarizeHallucination([
    // states person, bicycle (objects 2/3) and "GM 125" (text 1/2); original lacked car, NO PARKING, GM 125
    { caption: 'A man riding a bike past a generator that reads "GM 125".', truth, originals },
  ]);
  assert.equal(s.objectRecall, 2 / 3);
  assert.equal(s.textRecall, 1 / 2);
  assert.equal(s.recall, 3 / 5);
  assert.equal(s.lackedItems, 3);
  assert.equal(s.addedShare, 1 / 3);
  // the original itself adds nothing over itself
  const o = summarizeHallucination([{ caption: originals[0]!, truth, originals }]);
  assert.equal(o.addedShare, 0);
  assert.equal(o.recall, 2 / 5);
});

test('words per caption counts tokens with a letter or digit', () => {
  const s = summarizeHallucination([
    { caption: 'a dog , on a porch', truth: street },
    { caption: 'two cats - sleeping', truth: street },
  ]);
  assert.equal(s.wordsPerCaption, (5 + 3) / 2);
});

test('95% Wilson intervals, hand-computed: 3 of 12 is 8.9–53.2%, 0 of 12 is 0–24.3%', () => {
  const [lo, hi] = wilsonInterval(3, 12)!;
  assert.ok(Math.abs(lo - 0.089) < 0.001 && Math.abs(hi - 0.5323) < 0.001, `${lo} ${hi}`);
  const [zlo, zhi] = wilsonInterval(0, 12)!;
  assert.equal(zlo, 0);
  assert.ok(Math.abs(zhi - 0.2425) < 0.001, `${zhi}`);
  assert.equal(wilsonInterval(0, 0), null);
  // per rate of a summary, with its counts; rates nothing judged are left out
  const s = summarizeHallucination([{ caption: 'A dark brown car and a blue bus.', truth: street }]);
  const ci = rateIntervals(s);
  assert.deepEqual({ k: ci.CHAIR_i!.k, n: ci.CHAIR_i!.n }, { k: 1, n: 2 });
  assert.deepEqual({ k: ci['wrong colours']!.k, n: ci['wrong colours']!.n }, { k: 1, n: 1 });
  assert.equal(ci['wrong positions'], undefined);
});
