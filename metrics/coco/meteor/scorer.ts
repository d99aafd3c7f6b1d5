/**
 * METEOR 1.5 in TypeScript, scoring the way pycocoevalcap drives the jar (`-l en -norm`, task "rank"):
 * per image, the hypothesis is aligned with each reference and the best-scoring reference's statistics
 * are kept; the image score and the corpus score (statistics summed over images) follow from those.
 *
 * Parameters for English, ranking task: alpha 0.85, beta 0.20, gamma 0.60, delta 0.75; module weights
 * exact 1.0, stem 0.6, synonym 0.8, paraphrase 0.6.
 */
import { align, emptyCounts, javaHash, MODULE_COUNT, type AlignmentCounts, type PreparedSentence } from './aligner.ts';
import { stemEnglish } from './english-stemmer.ts';
import { javaTokens, javaTrim, normalizeEnglish, type NonBreakingPrefixes } from './normalize.ts';
import type { ParaphrasePair } from './paraphrase-table.ts';
import type { SynonymDictionary } from './synonyms.ts';

const ALPHA = 0.85;
const BETA = 0.2;
const GAMMA = 0.6;
const DELTA = 0.75;
const MODULE_WEIGHTS = [1.0, 0.6, 0.8, 0.6];

/** The statistics METEOR keeps per segment (the numbers of the jar's SCORE answer). */
export interface MeteorStats {
  testLength: number;
  referenceLength: number;
  testFunctionWords: number;
  referenceFunctionWords: number;
  testTotalMatches: number;
  referenceTotalMatches: number;
  testContent: number[];
  referenceContent: number[];
  testFunction: number[];
  referenceFunction: number[];
  chunks: number;
  testWordMatches: number;
  referenceWordMatches: number;
}

export interface MeteorResources {
  functionWords: ReadonlySet<string>;
  prefixes: NonBreakingPrefixes;
  synonyms: SynonymDictionary;
  /** Paraphrase pairs whose words all occur in the given vocabulary, in table order. */
  paraphrasesFor(vocabulary: ReadonlySet<string>): ParaphrasePair[];
}

export interface MeteorScores {
  corpus: number;
  perImage: number[];
  /** Best-reference statistics per image, for checks against the jar's SCORE lines. */
  stats: MeteorStats[];
}

function statsFrom(c: AlignmentCounts): MeteorStats {
  const s: MeteorStats = {
    testLength: c.testLength,
    referenceLength: c.referenceLength,
    testFunctionWords: c.testFunctionWords,
    referenceFunctionWords: c.referenceFunctionWords,
    testTotalMatches: 0,
    referenceTotalMatches: 0,
    testContent: c.contentMatches1.slice(),
    referenceContent: c.contentMatches2.slice(),
    testFunction: c.functionMatches1.slice(),
    referenceFunction: c.functionMatches2.slice(),
    chunks: c.chunks,
    testWordMatches: 0,
    referenceWordMatches: 0,
  };
  for (let m = 0; m < MODULE_COUNT; m++) {
    s.testTotalMatches += s.testContent[m] + s.testFunction[m];
    s.referenceTotalMatches += s.referenceContent[m] + s.referenceFunction[m];
  }
  s.testWordMatches = s.testTotalMatches;
  s.referenceWordMatches = s.referenceTotalMatches;
  return s;
}

/** The jar's computeMetrics, operation for operation (the order of the sums matters in the last bits). */
export function meteorScore(s: MeteorStats): number {
  const testWeightedLength = DELTA * (s.testLength - s.testFunctionWords) + (1.0 - DELTA) * s.testFunctionWords;
  const referenceWeightedLength = DELTA * (s.referenceLength - s.referenceFunctionWords) + (1.0 - DELTA) * s.referenceFunctionWords;
  let testWeighted = 0;
  let referenceWeighted = 0;
  for (let n = 0; n < MODULE_COUNT; n++) testWeighted += s.testContent[n] * MODULE_WEIGHTS[n] * DELTA;
  for (let n = 0; n < MODULE_COUNT; n++) referenceWeighted += s.referenceContent[n] * MODULE_WEIGHTS[n] * DELTA;
  for (let n = 0; n < MODULE_COUNT; n++) testWeighted += s.testFunction[n] * MODULE_WEIGHTS[n] * (1.0 - DELTA);
  for (let n = 0; n < MODULE_COUNT; n++) referenceWeighted += s.referenceFunction[n] * MODULE_WEIGHTS[n] * (1.0 - DELTA);
  const precision = testWeighted / testWeightedLength;
  const recall = referenceWeighted / referenceWeightedLength;
  const fMean = 1.0 / ((1.0 - ALPHA) / precision + ALPHA / recall);
  const perfect = s.testTotalMatches === s.testLength && s.referenceTotalMatches === s.referenceLength && s.chunks === 1.0;
  const fragmentation = perfect ? 0.0 : s.chunks / ((s.testWordMatches + s.referenceWordMatches) / 2.0);
  const penalty = GAMMA * Math.pow(fragmentation, BETA);
  const score = fMean * (1.0 - penalty);
  return Number.isNaN(score) ? 0.0 : Math.max(score, 0.0);
}

/** Sums segment statistics into corpus statistics (the jar's addStats, including its chunk rule). */
function addStats(into: MeteorStats, s: MeteorStats): void {
  into.testLength += s.testLength;
  into.referenceLength += s.referenceLength;
  into.testFunctionWords += s.testFunctionWords;
  into.referenceFunctionWords += s.referenceFunctionWords;
  into.testTotalMatches += s.testTotalMatches;
  into.referenceTotalMatches += s.referenceTotalMatches;
  for (let m = 0; m < MODULE_COUNT; m++) {
    into.testContent[m] += s.testContent[m];
    into.referenceContent[m] += s.referenceContent[m];
    into.testFunction[m] += s.testFunction[m];
    into.referenceFunction[m] += s.referenceFunction[m];
  }
  // A perfect one-chunk segment adds no chunk to the corpus.
  if (s.testTotalMatches !== s.testLength || s.referenceTotalMatches !== s.referenceLength || s.chunks !== 1.0) into.chunks += s.chunks;
  into.testWordMatches += s.testWordMatches;
  into.referenceWordMatches += s.referenceWordMatches;
}

function emptyStats(): MeteorStats {
  return statsFrom(emptyCounts(0, 0));
}

/** The line pycocoevalcap's meteor.py sends the jar per image: it strips "|||" from the hypothesis only. */
export function scoreLine(hypothesis: string, references: readonly string[]): string {
  return ['SCORE', references.join(' ||| '), hypothesis.replaceAll('|||', '').replaceAll('  ', ' ')].join(' ||| ');
}

/**
 * What the jar reads from pycocoevalcap's "SCORE ||| ref… ||| hyp" line: the wrapper strips "|||" from
 * the hypothesis only, and Java's split drops trailing empty fields, so a reference holding "|||" becomes
 * several references, as it does there.
 */
export function scoreLineFields(hypothesis: string, references: readonly string[]): { hypothesis: string; references: string[] } {
  const parts = scoreLine(hypothesis, references).split('|||');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return { hypothesis: javaTrim(parts[parts.length - 1]), references: parts.slice(1, -1).map(javaTrim) };
}

interface Trie {
  next: Map<number, Trie>;
  emit: number[];
}

/** Scores already-tokenized candidates (one per image) against their references. */
export function scoreMeteor(candidates: readonly string[], references: readonly (readonly string[])[], res: MeteorResources): MeteorScores {
  // Normalise, lower-case and tokenize each distinct line once.
  const tokensOf = new Map<string, string[]>();
  const tokenize = (line: string): string[] => {
    let t = tokensOf.get(line);
    if (!t) {
      t = javaTokens(normalizeEnglish(line, res.prefixes).toLowerCase());
      tokensOf.set(line, t);
    }
    return t;
  };
  const segments = candidates.map((c, i) => {
    const f = scoreLineFields(c, references[i]);
    return { hyp: tokenize(f.hypothesis), refs: f.references.map(tokenize) };
  });

  // Corpus word ids, the paraphrase pairs those words allow, and a trie over their source phrases.
  const wordId = new Map<string, number>();
  for (const t of tokensOf.values()) for (const w of t) if (!wordId.has(w)) wordId.set(w, wordId.size);
  const pairs = res.paraphrasesFor(new Set(wordId.keys()));
  const targets: Int32Array[] = [];
  const root: Trie = { next: new Map(), emit: [] };
  for (const pair of pairs) {
    let node = root;
    for (const w of pair.source) {
      const id = wordId.get(w)!;
      let child = node.next.get(id);
      if (!child) {
        child = { next: new Map(), emit: [] };
        node.next.set(id, child);
      }
      node = child;
    }
    node.emit.push(targets.length);
    targets.push(Int32Array.from(pair.target, (w) => wordId.get(w)!));
  }
  const lookup = { target: (i: number): Int32Array => targets[i] };

  const stemHash = new Map<string, number>();
  const synsetsOf = new Map<string, Int32Array>();
  const prepared = new Map<string[], PreparedSentence>();
  const prepare = (words: string[]): PreparedSentence => {
    let p = prepared.get(words);
    if (p) return p;
    const ids = Int32Array.from(words, (w) => wordId.get(w)!);
    const paraphrasePaths = words.map((_, start) => {
      const out: number[] = [];
      let node: Trie | undefined = root;
      for (let k = start; k < words.length; k++) {
        node = node.next.get(ids[k]);
        if (!node) break;
        for (const e of node.emit) out.push(k - start + 1, e);
      }
      return Int32Array.from(out);
    });
    p = {
      words,
      ids,
      hashes: Int32Array.from(words, javaHash),
      stemHashes: Int32Array.from(words, (w) => {
        let h = stemHash.get(w);
        if (h === undefined) {
          h = javaHash(stemEnglish(w));
          stemHash.set(w, h);
        }
        return h;
      }),
      synsets: words.map((w) => {
        let s = synsetsOf.get(w);
        if (!s) {
          s = res.synonyms.allSynsets(w);
          synsetsOf.set(w, s);
        }
        return s;
      }),
      paraphrasePaths,
      functionWord: Uint8Array.from(words, (w) => (res.functionWords.has(w.toLowerCase()) ? 1 : 0)),
    };
    prepared.set(words, p);
    return p;
  };

  const perImage: number[] = [];
  const stats: MeteorStats[] = [];
  const corpus = emptyStats();
  for (const seg of segments) {
    const hyp = prepare(seg.hyp);
    let best: MeteorStats | undefined;
    let bestScore = -1;
    for (const ref of seg.refs) {
      const s = statsFrom(align(hyp, prepare(ref), lookup));
      const score = meteorScore(s);
      if (score > bestScore) {
        best = s;
        bestScore = score;
      }
    }
    const chosen = best ?? emptyStats();
    stats.push(chosen);
    perImage.push(meteorScore(chosen));
    addStats(corpus, chosen);
  }
  return { corpus: meteorScore(corpus), perImage, stats };
}

/** The jar's SCORE answer for a segment (its MeteorStats.toString), for comparing statistics line by line. */
export function formatStats(s: MeteorStats): string {
  const f = (v: number): string => (Number.isInteger(v) ? v.toFixed(1) : String(v));
  const parts = [s.testLength, s.referenceLength, s.testFunctionWords, s.referenceFunctionWords];
  for (let m = 0; m < MODULE_COUNT; m++) parts.push(s.testContent[m], s.referenceContent[m], s.testFunction[m], s.referenceFunction[m]);
  parts.push(s.chunks, s.testWordMatches, s.referenceWordMatches);
  return parts.map(f).join(' ');
}
