/**
 * Writes test/fixtures/captions-eval/coco-eval.json: a deterministic (seeded) set of images × 5 reference
 * captions and one candidate each, built to stress the COCO toolkit's tokenizer and metrics: contractions,
 * hyphens, quotes, brackets, numbers, currency, casing, non-ASCII letters, emoji, duplicates, empty and
 * very short or very long captions. The same file feeds the parity test and the metrics benchmark.
 *
 * Usage: node --import tsx scripts/make-eval-fixture.ts [--images N] [--seed S] [--out PATH]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface EvalFixture {
  seed: number;
  references: Record<string, string[]>;
  candidates: Record<string, string>;
}

/** mulberry32: tiny, seedable, identical on every platform. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SUBJECTS = [
  'a man',
  'a woman',
  'two dogs',
  'a black cat',
  'three people',
  'a young boy',
  'an old lady',
  'a brown horse',
  'a group of kids',
  'the chef',
  'a red double-decker bus',
  'a giraffe',
  'two zebras',
  'a skateboarder',
  'a little girl',
  'a café owner',
  'a naïve tourist',
  'the Zürich tram',
  "a man's dog",
  "the children's teacher",
  'a 10-year-old boy',
];
const VERBS = [
  'is standing',
  'sits',
  'is riding',
  'walks',
  'is eating',
  'is holding',
  'plays',
  'looks',
  'is running',
  'rests',
  "doesn't like",
  "can't reach",
  'is parked',
  'is flying',
  'waits',
];
const PREPS = ['on', 'next to', 'in front of', 'behind', 'near', 'under', 'beside', 'across', 'inside', 'over'];
const OBJECTS = [
  'a wooden bench',
  'the beach',
  'a busy street',
  'a table with food',
  'a green field',
  'the kitchen counter',
  'a snowy hill',
  'a large building',
  'a parking lot',
  'the river bank',
  'a stop sign',
  'a pizza (with cheese)',
  'a "Welcome" sign',
  'the U.S. flag',
  'a black-and-white photo',
  'a 3.5 inch screen',
  '1,000 balloons',
  'a $20 bill',
  "a sign that says 'OPEN'",
  "Mr. Smith's car",
  'a résumé',
  'a grey-blue wall',
  'the 1990s TV',
  'a 5:30 clock',
];
const ADJ = ['big', 'small', 'red', 'blue', 'shiny', 'old', 'new', 'tall', 'wet', 'sunny', 'colourful', 'crowded', 'empty'];
const TAILS = [
  '.',
  '',
  ' .',
  '!',
  '...',
  ' -- nice',
  '; it is sunny.',
  ', while it rains.',
  '?',
  ' 😀',
  ' 🐶🐱',
  ' ★',
  ' (again)',
  ' [sic]',
  ' & more',
  ' e.g. today',
  ' etc.',
  ' at 50% off',
  ' -- again -- and again',
  ' — really',
  ' 👍🏽 ok',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

function sentence(r: () => number): string {
  let s = `${pick(r, SUBJECTS)} ${pick(r, VERBS)} ${pick(r, PREPS)} ${pick(r, OBJECTS)}`;
  if (r() < 0.3) s += ` and ${pick(r, ADJ)} ${pick(r, OBJECTS)}`;
  s += pick(r, TAILS);
  const casing = r();
  if (casing < 0.5) s = s[0].toUpperCase() + s.slice(1);
  else if (casing < 0.55) s = s.toUpperCase();
  else if (casing < 0.6) s = s.replace(/\b\p{L}/gu, (c) => c.toUpperCase());
  return s;
}

function longSentence(r: () => number): string {
  const parts: string[] = [];
  while (parts.length < 9) parts.push(sentence(r).replace(/[.!?]$/u, ''));
  return parts.join(', and ') + '.';
}

/** A candidate that overlaps its references partly: the usual situation for a captioner. */
function perturb(r: () => number, ref: string): string {
  const toks = ref.split(' ');
  const out: string[] = [];
  for (const t of toks) {
    const x = r();
    if (x < 0.1) continue;
    if (x < 0.2) out.push(pick(r, ADJ));
    out.push(t);
  }
  return out.join(' ');
}

export function makeEvalFixture(images: number, seed: number): EvalFixture {
  const r = rng(seed);
  const references: Record<string, string[]> = {};
  const candidates: Record<string, string> = {};
  for (let i = 0; i < images; i++) {
    const id = `img-${String(i).padStart(5, '0')}`;
    const refs = Array.from({ length: 5 }, () => sentence(r));
    if (r() < 0.05) refs[4] = refs[0]; // duplicate reference
    if (r() < 0.03) refs[3] = longSentence(r);
    if (r() < 0.02) refs[2] = pick(r, ['dog', 'A cat.', '', 'TWO', '😀']);
    references[id] = refs;
    const kind = r();
    let cand: string;
    if (kind < 0.05)
      cand = refs[1]; // exact duplicate of a reference
    else if (kind < 0.08)
      cand = pick(r, ['a', 'dog', '', 'the man.', '🐶', 'A', '...']); // very short / empty
    else if (kind < 0.11)
      cand = longSentence(r); // very long
    else if (kind < 0.6) cand = perturb(r, pick(r, refs));
    else cand = sentence(r);
    candidates[id] = cand;
  }
  return { seed, references, candidates };
}

const isMain = process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const { values } = parseArgs({
    options: {
      images: { type: 'string', default: '600' },
      seed: { type: 'string', default: '20230527' },
      out: { type: 'string', default: 'test/fixtures/captions-eval/coco-eval.json' },
    },
  });
  const fixture = makeEvalFixture(Number(values.images), Number(values.seed));
  mkdirSync(dirname(values.out!), { recursive: true });
  writeFileSync(values.out!, JSON.stringify(fixture, null, 1) + '\n');
  console.log(`wrote ${Object.keys(fixture.candidates).length} images to ${values.out}`);
}
