/**
 * METEOR 1.5's aligner: every candidate match between a hypothesis (line 1) and a reference (line 2)
 * from the exact, stem, synonym and paraphrase modules, then a left-to-right beam search (beam 40) over
 * reference positions for the alignment with the most weighted matches, fewest chunks, least distance.
 *
 * The jar's numbers are the specification, so its details are kept on purpose:
 * - exact and stem matches compare Java String.hashCode values, not the strings;
 * - the search ranks with module weights 1, 0.5, 0.5, 0.5 and truncates each running total to an int;
 * - a branch's distance is added to the path it branched from, not to the new path;
 * - matches are tried in the order the modules produce them (sorting is stable).
 */
export const MODULE_EXACT = 0;
export const MODULE_STEM = 1;
export const MODULE_SYNONYM = 2;
export const MODULE_PARAPHRASE = 3;
export const MODULE_COUNT = 4;
const BEAM_SIZE = 40;
/** The weights the jar's scorer hands the aligner for ranking partial alignments. */
const SEARCH_WEIGHTS = [1, 0.5, 0.5, 0.5];

/** A token sequence with everything the matchers need, computed once per distinct sentence. */
export interface PreparedSentence {
  words: string[];
  /** Corpus-wide integer id per word (string equality), used by the paraphrase matcher. */
  ids: Int32Array;
  hashes: Int32Array;
  stemHashes: Int32Array;
  /** Per word: its own and base-form WordNet synset ids, sorted ascending. */
  synsets: Int32Array[];
  /** Per start position: [length, paraphrase index, length, paraphrase index, …] from the trie. */
  paraphrasePaths: Int32Array[];
  functionWord: Uint8Array;
}

interface Match {
  start: number;
  length: number;
  matchStart: number;
  matchLength: number;
  module: number;
}

/**
 * One path of the beam search. Its arrays are never written once the path is in play (only branches
 * take new words), so a branch shares its parent's arrays until it survives a pruning round; paths cut
 * by the beam never pay for a copy.
 */
class PartialAlignment {
  matches1 = 0;
  matches2 = 0;
  chunks = 0;
  idx = 0;
  lastMatchEnd = -1;
  distance = 0;
  /** The match this branch adds to its parent's arrays, until materialised. */
  pending: Match | null = null;

  constructor(
    public matches: (Match | null)[],
    public used1: Uint8Array,
    public used2: Uint8Array,
  ) {}

  /** A branch of `parent` taking `m` at reference position `at`, with the parent's current totals. */
  static branch(parent: PartialAlignment, m: Match): PartialAlignment {
    const b = new PartialAlignment(parent.matches, parent.used1, parent.used2);
    b.matches1 = parent.matches1;
    b.matches2 = parent.matches2;
    b.chunks = parent.chunks;
    b.idx = parent.idx;
    b.lastMatchEnd = parent.lastMatchEnd;
    b.distance = parent.distance;
    b.pending = m;
    return b;
  }

  /** Gives a surviving branch arrays of its own with its match applied. */
  materialise(): void {
    const m = this.pending;
    if (!m) return;
    this.pending = null;
    this.matches = this.matches.slice();
    this.used1 = this.used1.slice();
    this.used2 = this.used2.slice();
    this.matches[m.start] = m;
    for (let k = 0; k < m.length; k++) this.used2[m.start + k] = 1;
    for (let k = 0; k < m.matchLength; k++) this.used1[m.matchStart + k] = 1;
  }
}

/** Per-module match counts and chunks of the chosen alignment: what METEOR's statistics are made of. */
export interface AlignmentCounts {
  testLength: number;
  referenceLength: number;
  testFunctionWords: number;
  referenceFunctionWords: number;
  /** Indexed by module. */
  contentMatches1: number[];
  contentMatches2: number[];
  functionMatches1: number[];
  functionMatches2: number[];
  chunks: number;
}

/** Counts with no function words and no matches yet. */
export function emptyCounts(testLength: number, referenceLength: number): AlignmentCounts {
  const zeros = (): number[] => new Array<number>(MODULE_COUNT).fill(0);
  return {
    testLength,
    referenceLength,
    testFunctionWords: 0,
    referenceFunctionWords: 0,
    contentMatches1: zeros(),
    contentMatches2: zeros(),
    functionMatches1: zeros(),
    functionMatches2: zeros(),
    chunks: 0,
  };
}

/** Java's String.hashCode over UTF-16 code units, as a signed 32-bit int. */
export function javaHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

export interface ParaphraseLookup {
  /** Target phrase (as corpus word ids) of paraphrase `index`. */
  target(index: number): Int32Array;
}

function sameHashes(a: Int32Array, b: Int32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Whether two ascending id lists share an id (a merge walk: the lists are short). */
function intersects(a: Int32Array, b: Int32Array): boolean {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) return true;
    if (a[i] < b[j]) i++;
    else j++;
  }
  return false;
}

export function align(test: PreparedSentence, ref: PreparedSentence, paraphrases: ParaphraseLookup): AlignmentCounts {
  const n1 = test.words.length;
  const n2 = ref.words.length;
  const matches: Match[][] = Array.from({ length: n2 }, () => []);
  const cov1 = new Int32Array(n1);
  const cov2 = new Int32Array(n2);
  const add = (m: Match): void => {
    matches[m.start].push(m);
    for (let k = 0; k < m.matchLength; k++) cov1[m.matchStart + k]++;
    for (let k = 0; k < m.length; k++) cov2[m.start + k]++;
  };

  // Identical sentences need exact matches only (the jar's guard against beam search errors).
  const modules = n1 === n2 && sameHashes(test.hashes, ref.hashes) ? 1 : MODULE_COUNT;
  for (let i = 0; i < n2; i++)
    for (let j = 0; j < n1; j++)
      if (test.hashes[j] === ref.hashes[i]) add({ start: i, length: 1, matchStart: j, matchLength: 1, module: MODULE_EXACT });
  if (modules > 1) {
    for (let i = 0; i < n2; i++)
      for (let j = 0; j < n1; j++)
        if (test.stemHashes[j] === ref.stemHashes[i] && test.hashes[j] !== ref.hashes[i])
          add({ start: i, length: 1, matchStart: j, matchLength: 1, module: MODULE_STEM });
    for (let i = 0; i < n2; i++)
      for (let j = 0; j < n1; j++)
        if (intersects(test.synsets[j], ref.synsets[i]) && test.hashes[j] !== ref.hashes[i])
          add({ start: i, length: 1, matchStart: j, matchLength: 1, module: MODULE_SYNONYM });
    // Reference phrases paraphrased into the hypothesis, then hypothesis phrases into the reference.
    for (let i = 0; i < n2; i++) {
      const paths = ref.paraphrasePaths[i];
      for (let p = 0; p < paths.length; p += 2) {
        const target = paraphrases.target(paths[p + 1]);
        for (let j = 0; j < n1; j++)
          if (startsWith(test.ids, j, target))
            add({ start: i, length: paths[p], matchStart: j, matchLength: target.length, module: MODULE_PARAPHRASE });
      }
    }
    for (let j = 0; j < n1; j++) {
      const paths = test.paraphrasePaths[j];
      for (let p = 0; p < paths.length; p += 2) {
        const target = paraphrases.target(paths[p + 1]);
        for (let i = 0; i < n2; i++)
          if (startsWith(ref.ids, i, target))
            add({ start: i, length: target.length, matchStart: j, matchLength: paths[p], module: MODULE_PARAPHRASE });
      }
    }
  }

  // One-to-one matches over words nothing else covers are fixed before the search.
  const initial = new PartialAlignment(new Array<Match | null>(n2).fill(null), new Uint8Array(n1), new Uint8Array(n2));
  for (let i = 0; i < n2; i++) {
    if (matches[i].length !== 1) continue;
    const m = matches[i][0];
    let overlap = false;
    for (let k = 0; k < m.length; k++) if (cov2[i + k] !== 1) overlap = true;
    for (let k = 0; k < m.matchLength; k++) if (cov1[m.matchStart + k] !== 1) overlap = true;
    if (overlap) continue;
    initial.matches[i] = m;
    for (let k = 0; k < m.length; k++) initial.used2[i + k] = 1;
    for (let k = 0; k < m.matchLength; k++) initial.used1[m.matchStart + k] = 1;
  }

  const best = resolve(matches, initial);
  const counts = emptyCounts(n1, n2);
  for (let j = 0; j < n1; j++) counts.testFunctionWords += test.functionWord[j];
  for (let i = 0; i < n2; i++) counts.referenceFunctionWords += ref.functionWord[i];
  for (const m of best.matches) {
    if (!m) continue;
    for (let k = 0; k < m.matchLength; k++) {
      if (test.functionWord[m.matchStart + k]) counts.functionMatches1[m.module]++;
      else counts.contentMatches1[m.module]++;
    }
    for (let k = 0; k < m.length; k++) {
      if (ref.functionWord[m.start + k]) counts.functionMatches2[m.module]++;
      else counts.contentMatches2[m.module]++;
    }
  }
  counts.chunks = countChunks(best.matches);
  return counts;
}

function startsWith(ids: Int32Array, at: number, phrase: Int32Array): boolean {
  if (at + phrase.length > ids.length) return false;
  for (let k = 0; k < phrase.length; k++) if (ids[at + k] !== phrase[k]) return false;
  return true;
}

function isUsed(p: PartialAlignment, m: Match): boolean {
  for (let k = 0; k < m.length; k++) if (p.used2[m.start + k]) return true;
  for (let k = 0; k < m.matchLength; k++) if (p.used1[m.matchStart + k]) return true;
  return false;
}

/** More weighted matches first, then fewer chunks, then less distance (the jar's PARTIAL_COMPARE_TOTAL). */
function comparePaths(x: PartialAlignment, y: PartialAlignment): number {
  const diff = y.matches1 + y.matches2 - (x.matches1 + x.matches2);
  if (diff !== 0) return diff > 0 ? 1 : -1;
  if (x.chunks !== y.chunks) return x.chunks - y.chunks;
  return x.distance - y.distance;
}

/** Adds match `m` to path `p`'s running totals (weights truncated to int, as the jar's int fields do). */
function take(p: PartialAlignment, m: Match): void {
  const w = SEARCH_WEIGHTS[m.module];
  p.matches1 = Math.trunc(p.matches1 + m.matchLength * w);
  p.matches2 = Math.trunc(p.matches2 + m.length * w);
  if (p.lastMatchEnd !== -1 && m.matchStart !== p.lastMatchEnd) p.chunks++;
  p.idx = m.start + m.length;
  p.lastMatchEnd = m.matchStart + m.matchLength;
}

function resolve(matches: Match[][], start: PartialAlignment): PartialAlignment {
  let next: PartialAlignment[] = [start];
  for (let current = 0; current <= matches.length; current++) {
    const paths = next.sort(comparePaths);
    next = [];
    for (let rank = 0; rank < BEAM_SIZE && rank < paths.length; rank++) {
      const path = paths[rank];
      path.materialise();
      if (current === matches.length) {
        if (path.lastMatchEnd !== -1) path.chunks++;
        next.push(path);
        continue;
      }
      if (path.used2[current]) {
        if (current < path.idx) {
          next.push(path);
          continue;
        }
        const fixed = path.matches[path.idx];
        if (fixed === null) continue;
        take(path, fixed);
        path.distance += Math.abs(fixed.start - fixed.matchStart);
        next.push(path);
        continue;
      }
      for (const m of matches[current]) {
        if (isUsed(path, m)) continue;
        const branch = PartialAlignment.branch(path, m);
        take(branch, m);
        path.distance += Math.abs(m.start - m.matchStart);
        next.push(branch);
      }
      // Or leave this reference word unmatched.
      if (path.lastMatchEnd !== -1) {
        path.chunks++;
        path.lastMatchEnd = -1;
      }
      path.idx++;
      next.push(path);
    }
    if (next.length === 0) next.push(paths[0]);
  }
  const best = next.sort(comparePaths)[0];
  best.materialise();
  return best;
}

function countChunks(matches: readonly (Match | null)[]): number {
  let chunks = 0;
  let idx = 0;
  let lastMatchEnd = -1;
  while (idx < matches.length) {
    const m = matches[idx];
    if (m === null) {
      if (lastMatchEnd !== -1) {
        chunks++;
        lastMatchEnd = -1;
      }
      idx++;
    } else {
      if (lastMatchEnd !== -1 && m.matchStart !== lastMatchEnd) chunks++;
      idx = m.start + m.length;
      lastMatchEnd = m.matchStart + m.matchLength;
    }
  }
  if (lastMatchEnd !== -1) chunks++;
  return chunks;
}
