/**
 * The Snowball English ("Porter2") stemmer, as METEOR 1.5's stem module runs it (the jar bundles the
 * Snowball-generated Java class; its region prefixes are gener/commun/arsen). Written from the published
 * algorithm and checked word by word against the jar's own class (test/metrics/coco/meteor-parity.test.ts).
 *
 * Works on a mutable character array from the end of the word backwards, the way the Snowball program
 * does, so each step reads like the algorithm's description.
 */

const VOWELS = new Set(['a', 'e', 'i', 'o', 'u', 'y']);
const DOUBLES = new Set(['bb', 'dd', 'ff', 'gg', 'mm', 'nn', 'pp', 'rr', 'tt']);
const VALID_LI = new Set(['c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't']);

/** Whole words the algorithm returns as given (or maps to a fixed stem) before any step runs. */
const EXCEPTION1 = new Map<string, string>(
  Object.entries({
    skis: 'ski',
    skies: 'sky',
    dying: 'die',
    lying: 'lie',
    tying: 'tie',
    idly: 'idl',
    gently: 'gentl',
    ugly: 'ugli',
    early: 'earli',
    only: 'onli',
    singly: 'singl',
    sky: 'sky',
    news: 'news',
    howe: 'howe',
    atlas: 'atlas',
    cosmos: 'cosmos',
    bias: 'bias',
    andes: 'andes',
  }),
);
/** Words left alone after step 1a. */
const EXCEPTION2 = new Set(['inning', 'outing', 'canning', 'herring', 'earring', 'proceed', 'exceed', 'succeed']);
const REGION_PREFIXES = ['gener', 'commun', 'arsen'];

const STEP2: [string, string][] = [
  ['ization', 'ize'],
  ['ational', 'ate'],
  ['fulness', 'ful'],
  ['ousness', 'ous'],
  ['iveness', 'ive'],
  ['tional', 'tion'],
  ['biliti', 'ble'],
  ['lessli', 'less'],
  ['entli', 'ent'],
  ['ation', 'ate'],
  ['alism', 'al'],
  ['aliti', 'al'],
  ['ousli', 'ous'],
  ['iviti', 'ive'],
  ['fulli', 'ful'],
  ['enci', 'ence'],
  ['anci', 'ance'],
  ['abli', 'able'],
  ['izer', 'ize'],
  ['ator', 'ate'],
  ['alli', 'al'],
  ['bli', 'ble'],
  ['ogi', 'og'],
  ['li', ''],
];
const STEP3: [string, string][] = [
  ['ational', 'ate'],
  ['tional', 'tion'],
  ['alize', 'al'],
  ['icate', 'ic'],
  ['iciti', 'ic'],
  ['ative', ''],
  ['ical', 'ic'],
  ['ness', ''],
  ['ful', ''],
];
const STEP4 = [
  'ement',
  'ance',
  'ence',
  'able',
  'ible',
  'ment',
  'ant',
  'ent',
  'ism',
  'ate',
  'iti',
  'ous',
  'ive',
  'ize',
  'ion',
  'al',
  'er',
  'ic',
];

/** The longest of `suffixes` that `w` ends with (the Snowball `among` picks the longest). */
function longest<T extends string | [string, string]>(w: string, list: readonly T[]): T | undefined {
  let best: T | undefined;
  let bestLen = -1;
  for (const item of list) {
    const s = typeof item === 'string' ? item : item[0];
    if (s.length > bestLen && w.endsWith(s)) {
      best = item;
      bestLen = s.length;
    }
  }
  return best;
}

function isVowel(c: string | undefined): boolean {
  return c !== undefined && VOWELS.has(c);
}

/** Start of the region after the first non-vowel that follows a vowel, searching from `from`. */
function regionAfter(w: string, from: number): number {
  let i = from;
  while (i < w.length && !isVowel(w[i])) i++;
  while (i < w.length && isVowel(w[i])) i++;
  return i < w.length ? i + 1 : w.length;
}

/** A short syllable ends at `end` (exclusive): non-vowel, vowel, non-vowel other than w/x/Y, or vowel-non-vowel at the start. */
function endsShortSyllable(w: string, end: number): boolean {
  if (end >= 3) {
    const a = w[end - 3];
    const b = w[end - 2];
    const c = w[end - 1];
    if (!isVowel(a) && isVowel(b) && !isVowel(c) && c !== 'w' && c !== 'x' && c !== 'Y') return true;
  }
  return end === 2 && isVowel(w[0]) && !isVowel(w[1]);
}

export function stemEnglish(word: string): string {
  if (word.length <= 2) return word;
  const fixed = EXCEPTION1.get(word);
  if (fixed !== undefined) return fixed;

  // Prelude: drop a leading apostrophe; mark consonant-y (initial y, y after a vowel) as Y.
  let w = word.startsWith("'") ? word.slice(1) : word;
  let yFound = false;
  if (w.startsWith('y')) {
    w = 'Y' + w.slice(1);
    yFound = true;
  }
  {
    const cs = [...w];
    for (let i = 1; i < cs.length; i++) {
      if (cs[i] === 'y' && isVowel(cs[i - 1])) {
        cs[i] = 'Y';
        yFound = true;
      }
    }
    w = cs.join('');
  }
  // Regions.
  let p1: number;
  const prefix = REGION_PREFIXES.find((p) => w.startsWith(p));
  if (prefix) p1 = prefix.length;
  else p1 = regionAfter(w, 0);
  const p2 = regionAfter(w, p1);
  const inR1 = (start: number): boolean => start >= p1;
  const inR2 = (start: number): boolean => start >= p2;

  // Step 1a: apostrophe suffixes, then plural forms.
  const apos = longest(w, ["'s'", "'s", "'"]);
  if (apos) w = w.slice(0, w.length - apos.length);
  const s1a = longest(w, ['sses', 'ied', 'ies', 's', 'us', 'ss']);
  if (s1a === 'sses') w = w.slice(0, -2);
  else if (s1a === 'ied' || s1a === 'ies') w = w.length - 3 >= 2 ? w.slice(0, -3) + 'i' : w.slice(0, -3) + 'ie';
  else if (s1a === 's') {
    // Delete if a vowel occurs before the letter right before the s.
    let has = false;
    for (let i = w.length - 3; i >= 0; i--) {
      if (isVowel(w[i])) {
        has = true;
        break;
      }
    }
    if (has) w = w.slice(0, -1);
  }

  if (!EXCEPTION2.has(w)) {
    // Step 1b.
    const s1b = longest(w, ['eed', 'eedly', 'ed', 'edly', 'ing', 'ingly']);
    if (s1b === 'eed' || s1b === 'eedly') {
      if (inR1(w.length - s1b.length)) w = w.slice(0, w.length - s1b.length) + 'ee';
    } else if (s1b) {
      const stem = w.slice(0, w.length - s1b.length);
      if ([...stem].some((c) => isVowel(c))) {
        w = stem;
        const end2 = w.slice(-2);
        if (end2 === 'at' || end2 === 'bl' || end2 === 'iz') w += 'e';
        else if (DOUBLES.has(end2)) w = w.slice(0, -1);
        else if (w.length === p1 && endsShortSyllable(w, w.length)) w += 'e';
      }
    }

    // Step 1c: y/Y after a non-vowel that is not the first letter becomes i.
    const last = w[w.length - 1];
    if ((last === 'y' || last === 'Y') && w.length > 2 && !isVowel(w[w.length - 2])) w = w.slice(0, -1) + 'i';

    // Step 2 (suffix must lie in R1).
    const s2 = longest(w, STEP2);
    if (s2 && inR1(w.length - s2[0].length)) {
      const start = w.length - s2[0].length;
      if (s2[0] === 'ogi') {
        if (w[start - 1] === 'l') w = w.slice(0, start) + 'og';
      } else if (s2[0] === 'li') {
        if (VALID_LI.has(w[start - 1])) w = w.slice(0, start);
      } else {
        w = w.slice(0, start) + s2[1];
      }
    }

    // Step 3 (R1; "ative" needs R2).
    const s3 = longest(w, STEP3);
    if (s3 && inR1(w.length - s3[0].length)) {
      const start = w.length - s3[0].length;
      if (s3[0] === 'ative') {
        if (inR2(start)) w = w.slice(0, start);
      } else {
        w = w.slice(0, start) + s3[1];
      }
    }

    // Step 4 (R2; "ion" only after s or t).
    const s4 = longest(w, STEP4);
    if (s4 && inR2(w.length - s4.length)) {
      const start = w.length - s4.length;
      if (s4 === 'ion') {
        if (w[start - 1] === 's' || w[start - 1] === 't') w = w.slice(0, start);
      } else {
        w = w.slice(0, start);
      }
    }

    // Step 5.
    const lastC = w[w.length - 1];
    if (lastC === 'e') {
      const start = w.length - 1;
      if (inR2(start) || (inR1(start) && !endsShortSyllable(w, start))) w = w.slice(0, start);
    } else if (lastC === 'l') {
      const start = w.length - 1;
      if (inR2(start) && w[start - 1] === 'l') w = w.slice(0, start);
    }
  }

  return yFound ? w.replaceAll('Y', 'y') : w;
}
