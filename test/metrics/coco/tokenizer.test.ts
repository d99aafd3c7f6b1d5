import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COCO_PUNCTUATION, cocoTokenize, cocoTokenizeSequence, ptbTokens } from '../../../metrics/coco/tokenizer.ts';
import { ptbTokenizerJar } from '../../../lib/toolkit-paths.ts';

// Inputs chosen to hit the PTB lexer's special cases; each is compared with the jar's own output.
const TRICKY = [
  "A man's dog doesn't like the grey colour.",
  '"Quoted" text and \'single quotes\' here...',
  'The U.S. flag, 3.5 inches -- black-and-white; e.g. 1,000 cats & dogs!',
  'Café naïve résumé — em dash – en dash',
  'A cat 😀 with emoji 🐶 and ★ star',
  "I cannot go, gonna wanna gotta. It's 5:30 p.m. on Monday January 5th.",
  '(parens) [brackets] {braces} <angle> 50% $20 #tag @user a/b x*y',
  "it's ITS dogs' children's 'tis 'Twas o'clock rock'n'roll",
  'www.example.com http://foo.bar/baz user@mail.com',
  'a  b\ttab   spaces  ',
  '...',
  '?!',
  'A DOG.',
  'Mr. Smith and Dr. Who vs. St. Louis Inc.',
  '1/2 3-4 10-year-old 5km',
  'cats/dogs and/or 20/20 red/white-ish 1/2-inch',
  "can't won't shan't I'm you're we've they'll he'd Y'all ain't",
  "DOGS' toys James's JAMES' don't DON'T Can't",
  'a dog.a cat. A.B.C. etc. etc Ltd. e.g U.K',
  "he said \"hi.\" she said 'bye'. ``x'' `y'",
  "3.5.6 1,000,000 10.5% -5 +3 3x 4X4 2nd 1990s '90s $5.00 £5 €5 ¥",
  'hello-world -dash start- end -- x---y a--b',
  '☺ ☃ ✔️ 👍🏽 ❤ ❤️ …',
  "It's a 2-for-1 deal!!! Wow?? Really?!... OK.",
  'smile :) :-( ;) <3',
  'a_b a+b a=b a|b a~b a\\b',
  'ALL CAPS SENTENCE WITH \'QUOTES\' AND "MORE"',
  'no.  no. 1 No.1 vol. 2 fig. 3',
  'straße ÉCOLE İstanbul ǅ ΣΊΣΥΦΟΣ',
  'wanna gimme lemme gonna cannot Cannot',
  '',
  '😀',
  '   ',
  'the end.',
];

// Pieces captions are made of, including the lexer's special cases; the random test below joins them
// with spaces. (Pieces glued without spaces — "isn'tain't", "1,000vs" — hit corners of the JFlex grammar
// that this tokenizer does not reproduce; they do not occur in captions.)
const PIECES = [
  'a',
  'dog',
  'The',
  "man's",
  "isn't",
  '3',
  '3.5',
  '1,000',
  '10-year-old',
  'U.S.',
  'e.g.',
  'etc.',
  'Mr.',
  '"',
  "'",
  '(',
  ')',
  '[',
  ']',
  '-',
  '--',
  '—',
  '...',
  '…',
  '!',
  '?',
  '?!',
  ',',
  ';',
  ':',
  '.',
  '😀',
  'café',
  'Zürich',
  '&',
  '%',
  '$',
  '#',
  '@',
  '/',
  '*',
  '+',
  '=',
  "'s",
  "'ll",
  "O'Neil",
  "rock'n'roll",
  "can't",
  'cannot',
  'gonna',
  '12:30',
  '5pm',
  '4x4',
  'x-ray',
  'T-shirt',
  'www.foo.com',
  'A.',
  'I.',
  'No.',
  'St.',
  'i.e.',
  'a.m.',
  '3rd',
  "1990's",
  "'90s",
  "they're",
  "Y'know",
  "don't",
  "ain't",
  "dogs'",
  '<',
  '>',
  '|',
  '~',
  '^',
  '_',
  '{',
  '}',
  '“',
  '”',
  '‘',
  '’',
  '•',
  '°',
  '½',
  '²',
  '™',
  'é',
  'ñ',
  'ß',
  '日本',
  'Ж',
  '\t',
  '1/2',
  'and/or',
  '-5',
  '+3',
  '$5',
  '50%',
  '#1',
  '@home',
  'Inc.',
  'U.K.',
  '.5',
  '....',
  '!!',
  ':)',
  ';-)',
  '<3',
  '=)',
  "It'S",
  "o'clock",
  "'em",
  "'n'",
  'Mrs.',
  'Dr',
  'This',
  'It',
  'Some',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function jarTokenize(lines: string[]): string[] {
  // Same invocation as pycocoevalcap's PTBTokenizer: one caption per line, -preserveLines -lowerCase.
  const dir = mkdtempSync(join(tmpdir(), 'ptb-'));
  const file = join(dir, 'in.txt');
  writeFileSync(file, lines.join('\n'));
  const r = spawnSync('java', ['-cp', ptbTokenizerJar(), 'edu.stanford.nlp.process.PTBTokenizer', '-preserveLines', '-lowerCase', file], {
    encoding: 'utf8',
  });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').slice(0, lines.length);
}

test('cocoTokenize equals the Stanford PTBTokenizer jar + punctuation removal on tricky inputs', () => {
  const jar = jarTokenize(TRICKY);
  assert.equal(jar.length, TRICKY.length);
  const ours = cocoTokenizeSequence(TRICKY);
  for (let i = 0; i < TRICKY.length; i++) {
    const expected = jar[i]
      .trimEnd()
      .split(' ')
      .filter((w) => !COCO_PUNCTUATION.has(w))
      .join(' ');
    assert.equal(ours[i], expected, `input ${JSON.stringify(TRICKY[i])}`);
  }
});

test('cocoTokenize equals the jar on 3,000 seeded random captions built from tricky pieces', () => {
  const r = mulberry32(2023);
  const lines = Array.from({ length: 3000 }, () =>
    Array.from({ length: 1 + Math.floor(r() * 14) }, () => PIECES[Math.floor(r() * PIECES.length)]).join(' '),
  );
  const jar = jarTokenize(lines);
  const ours = cocoTokenizeSequence(lines);
  const mismatches: string[] = [];
  lines.forEach((line, i) => {
    const expected = jar[i]
      .trimEnd()
      .split(' ')
      .filter((w) => !COCO_PUNCTUATION.has(w))
      .join(' ');
    const got = ours[i];
    if (got !== expected)
      mismatches.push(
        `${JSON.stringify(line)} (next ${JSON.stringify(lines[i + 1]?.slice(0, 12))}): jar ${JSON.stringify(expected)}, ours ${JSON.stringify(got)}`,
      );
  });
  assert.deepEqual(mismatches.slice(0, 10), []);
});

test('raw PTB tokens: contractions, brackets lower-cased, quotes, dashes, emoji dropped', () => {
  assert.deepEqual(ptbTokens("The dog doesn't (really) like it's bowl"), [
    'the',
    'dog',
    'does',
    "n't",
    '-lrb-',
    'really',
    '-rrb-',
    'like',
    'it',
    "'s",
    'bowl',
  ]);
  assert.deepEqual(ptbTokens('A "big" cat — 😀 ok…'), ['a', '``', 'big', "''", 'cat', '--', 'ok', '...']);
  // "-lrb-" is not in the toolkit's (upper-case) punctuation list, so it survives, as in pycocoevalcap.
  assert.equal(cocoTokenize('A dog (brown).'), 'a dog -lrb- brown -rrb-');
  assert.equal(cocoTokenize('Newlines\nand\rreturns'), 'newlines and returns');
  // The jar looks past the end of a line: an initial before a sentence start on the next line loses its period.
  assert.deepEqual(cocoTokenizeSequence(['It is vitamin A.', 'The end']), ['it is vitamin a', 'the end']);
  assert.deepEqual(cocoTokenizeSequence(['It is vitamin A.', 'the end']), ['it is vitamin a.', 'the end']);
});
