/**
 * OCR lines a caption may quote: read-as-text rules on hand-written lines (misreads from the truth
 * set's photos among them), and the whole path on a real tuning photo, data/truth/images/no_parking.jpg,
 * whose two signs PP-OCR reads as "NO PARKING" twice: the fused caption quotes it once.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { configSchema } from '../../../config/schema.ts';
import { buildFacts } from '../../../experts/fuse/facts.ts';
import { createFuser } from '../../../experts/fuse/index.ts';
import { englishWords, readsAsText } from '../../../experts/fuse/text-check.ts';
import { createOcr, type OcrEngine } from '../../../experts/ocr/index.ts';
import type { OcrLine } from '../../../experts/types.ts';
import { decodeImage } from '../../../lib/image.ts';

const TRUTH = (name: string) => path.resolve(import.meta.dirname, '../../../data/truth/images', name);
const ALL = { objects: true, attributes: true, ocr: true };

let ocr: OcrEngine;
before(async () => {
  ocr = await createOcr({ workerThread: false });
});
after(async () => {
  await ocr.dispose();
});

test('lines that read as text: words, inflections, codes', () => {
  const words = englishWords();
  assert.ok(words.size > 50_000, `WordNet word list has ${words.size} words`);
  for (const line of [
    'NO PARKING',
    'GM 125',
    'Double parking prohibited',
    'Car Parks',
    'AT ALL TIMES',
    'Grand Central Terminal',
    // two words run together, as signs write them (freephone_sign.jpg, tuning half)
    'Customer Freephone',
    'Bookshop',
  ]) {
    assert.deepEqual(readsAsText(line, words), { ok: true }, line);
  }
});

test('misreads are not quoted: PP-OCR\'s "Wivenioe -ark", "gallerles", "pRiORy" style nonsense', () => {
  const words = englishWords();
  // "gallerlies" splits into no two words of four letters or more: not a compound
  // A name is no English word either: "Wivenhoe Park" is quoted only when OCR read it surely (facts test below).
  for (const line of ['Wivenioe rark', 'gallerlies the ship', 'xqzt vbnm', 'Manlook', 'Wivenhoe Park', 'Flli the blank spaces']) {
    const verdict = readsAsText(line, words);
    assert.equal(verdict.ok, false, line);
    assert.match((verdict as { reason: string }).reason, /^not_words: /);
  }
});

test('facts: a repeated line is stated once, a misread is dropped, each with its reason', () => {
  const line = (text: string, y: number): OcrLine => ({ text, confidence: 0.95, box: { x: 10, y, width: 100, height: 20 }, words: [] });
  const facts = buildFacts({ ocr: { lines: [line('NO PARKING', 10), line('Wivenioe rark', 100), line('NO PARKING', 200)] } }, ALL);
  assert.deepEqual(
    facts.texts.map((t) => t.text),
    ['NO PARKING'],
  );
  assert.deepEqual(facts.droppedTexts, [
    { text: 'Wivenioe rark', reason: 'not_words: Wivenioe rark' },
    { text: 'NO PARKING', reason: 'repeated' },
  ]);
  // the loose "the" above a sign's other words is true but says nothing quoted alone
  const loose = buildFacts({ ocr: { lines: [line('the', 10), line('of the', 300), line('copy centre', 500), line('9 3', 700)] } }, ALL);
  assert.deepEqual(
    loose.texts.map((t) => t.text),
    ['copy centre'],
  );
  assert.deepEqual(
    loose.droppedTexts.map((d) => d.reason),
    ['function_words_only', 'function_words_only', 'single_characters'],
  );
  // a copy of a sign cut off mid-word beside the whole one (stationery_box.jpg, tuning half: "COMP" and
  // "COMPUTER"); a line that ends where a word of the other ends is not a cut-off copy
  const cut = buildFacts({ ocr: { lines: [line('COMP', 10), line('COMPUTER', 300), line('OPEN', 500), line('OPEN DAILY', 700)] } }, ALL);
  assert.deepEqual(
    cut.texts.map((t) => t.text),
    ['COMPUTER', 'OPEN', 'OPEN DAILY'],
  );
  assert.deepEqual(cut.droppedTexts, [{ text: 'COMP', reason: 'cut_off_copy' }]);
  const unchecked = buildFacts({ ocr: { lines: [line('Wivenioe rark', 100)] } }, ALL, { checkText: false });
  assert.deepEqual(
    unchecked.texts.map((t) => t.text),
    ['Wivenioe rark'],
  );
});

test('facts: a sure read skips the word check; stacked lines of different letter sizes are separate texts', () => {
  const at = (text: string, confidence: number, y: number, height = 20): OcrLine => ({
    text,
    confidence,
    box: { x: 10, y, width: 100, height },
    words: [],
  });
  const names = buildFacts({ ocr: { lines: [at('COMO HOPPER', 0.992, 10), at('Wivenhoe Park', 0.95, 300)] } }, ALL);
  assert.deepEqual(
    names.texts.map((t) => t.text),
    ['COMO HOPPER'],
  );
  assert.deepEqual(names.droppedTexts, [{ text: 'Wivenhoe Park', reason: 'not_words: Wivenhoe' }]);
  // sureTextConfidence 1: every line takes the check
  const strict = buildFacts({ ocr: { lines: [at('COMO HOPPER', 0.992, 10)] } }, ALL, { sureTextConfidence: 1 });
  assert.deepEqual(strict.droppedTexts, [{ text: 'COMO HOPPER', reason: 'not_words: COMO' }]);
  // box_scene.jpg (tuning half): "Casbah" (30 px) sits right over "BASMATI" (52 px) on another packet
  const packets = buildFacts({ ocr: { lines: [at('Casbah', 0.999, 100, 30), at('BASMATI', 0.999, 135, 52)] } }, ALL);
  assert.deepEqual(
    packets.texts.map((t) => t.text),
    ['Casbah', 'BASMATI'],
  );
  const sign = buildFacts({ ocr: { lines: [at('NOTICE', 0.999, 100, 49), at('DOUBLE', 0.999, 152, 43)] } }, ALL);
  assert.deepEqual(
    sign.texts.map((t) => t.text),
    ['NOTICE DOUBLE'],
  );
});

test('facts: a line of a sign that is not stated splits the sign, so no quote joins lines it skipped', () => {
  // A road sign's four lines, boxes as PP-OCRv6 gives them (taller than the line pitch, so they overlap);
  // its second line misread and dropped. Quoting the rest as one run would print words side by side that
  // the sign does not.
  const at = (text: string, confidence: number, y: number): OcrLine => ({
    text,
    confidence,
    box: { x: 330, y, width: 310, height: 90 },
    words: [],
  });
  const lines = [at('Sports Centre', 1, 476), at('Wivennioe -ark', 0.887, 537), at('Conference Centre', 1, 592), at('Car Parks', 1, 652)];
  const facts = buildFacts({ ocr: { lines } }, ALL);
  assert.deepEqual(
    facts.texts.map((t) => t.text),
    ['Sports Centre', 'Conference Centre Car Parks'],
  );
  assert.deepEqual(facts.droppedTexts, [{ text: 'Wivennioe -ark', reason: 'not_words: Wivennioe' }]);
  // read whole, the same sign is one text
  const whole = buildFacts(
    { ocr: { lines: lines.map((l, i) => (i === 1 ? { ...l, text: 'Wivenhoe Park', confidence: 0.995 } : l)) } },
    ALL,
  );
  assert.deepEqual(
    whole.texts.map((t) => t.text),
    ['Sports Centre Wivenhoe Park Conference Centre Car Parks'],
  );
  // a paragraph already cut at maxTextWords before the misread line: the lines after it are more of the
  // same text, not a second quote (the sample page's "histogram of grey values:")
  const page = buildFacts(
    {
      ocr: {
        lines: [
          at('Let us first determine markers of the coins and the', 0.98, 100),
          at('themarkers are found at thetwo extreme partsof the', 0.91, 160),
          at('histogram of grey values:', 0.99, 220),
        ],
      },
    },
    ALL,
  );
  assert.deepEqual(
    page.texts.map((t) => t.text),
    ['Let us first determine markers of the coins…'],
  );
});

test('sanyo_projector.jpg (tuning half): the brand PP-OCRv6 reads surely is quoted, though no English word', async () => {
  const lines = await ocr.read(await decodeImage(TRUTH('sanyo_projector.jpg')));
  const fuser = createFuser(configSchema.parse({}).fuse);
  try {
    const out = await fuser.fuse({
      original: 'Close up of the gray casing of a multimedia projector with its brand name.',
      ocr: lines,
      detect: null,
      attributes: null,
    });
    assert.match(out.caption, /"SANYO"/, out.caption);
    // "MULTIMEDIA PROJECTOR" is read too, but the caption already says "multimedia projector"
    assert.doesNotMatch(out.caption, /"MULTIMEDIA PROJECTOR"/, out.caption);
  } finally {
    await fuser.dispose();
  }
});

test('no_parking.jpg (tuning half): OCR reads the sign twice, the fused caption quotes it once', async () => {
  const lines = await ocr.read(await decodeImage(TRUTH('no_parking.jpg')));
  assert.equal(lines.lines.filter((l) => l.text === 'NO PARKING').length, 2, JSON.stringify(lines.lines.map((l) => l.text)));
  const fuser = createFuser(configSchema.parse({}).fuse);
  const out = await fuser.fuse({
    original: 'Two yellow barriers with signs beside a road.',
    ocr: lines,
    detect: null,
    attributes: null,
  });
  assert.equal(out.caption.match(/"NO PARKING"/g)?.length, 1, out.caption);
  assert.deepEqual(out.droppedTexts, [{ text: 'NO PARKING', reason: 'repeated' }]);
  // where the caption says it already ("no parking signs"), it is not quoted at all
  const said = await fuser.fuse({
    original: 'Two yellow barriers with no parking signs beside a road.',
    ocr: lines,
    detect: null,
    attributes: null,
  });
  assert.equal(said.caption, 'Two yellow barriers with no parking signs beside a road.');
  await fuser.dispose();
});
