/**
 * Corpus figures from per-caption scores (metrics/hallucination/caption.ts). Every rate is micro-averaged
 * (summed counts over summed denominators) and null when nothing could be judged, never 0 by default.
 *
 * - CHAIR_i = hallucinated object mentions / object mentions; CHAIR_s = captions with at least one
 *   hallucinated object / captions (Rohrbach et al., 2018). A mention is a distinct COCO class per caption.
 * - wrong colours = colour words on present, colour-annotated objects that are none of its true colours /
 *   such colour words; wrong expressions = expression words the annotator did not read on a face / expression
 *   words; wrong quotes = quoted spans matching no true text line (or run of lines) / quoted spans;
 *   wrong positions = frame positions ("on the left") no boxed instance of the object fits / position
 *   claims on present, fully boxed objects (position.ts).
 * - recall = (true objects named + true text lines stated) / (true objects + true text lines);
 *   added share = of the true items no original caption of the image states, the share the caption states.
 */
import { scoreCaption, type CaptionScore } from './caption.ts';
import type { ImageTruth } from './truth.ts';

export interface HallucinationSummary {
  captions: number;
  chairI: number | null;
  chairS: number | null;
  mentions: number;
  hallucinatedMentions: number;
  wrongColorRate: number | null;
  colorWords: number;
  wrongExpressionRate: number | null;
  expressionWords: number;
  wrongQuoteRate: number | null;
  quotes: number;
  wrongPositionRate: number | null;
  positionClaims: number;
  wordsPerCaption: number | null;
  objectRecall: number | null;
  textRecall: number | null;
  recall: number | null;
  /** Only when original captions were given: of the true items the originals lack, the share these captions state. */
  addedShare: number | null;
  lackedItems: number;
}

const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** One caption of an image to score, with the image's original captions when the added share is wanted. */
export interface TruthItem {
  caption: string;
  truth: ImageTruth;
  originals?: readonly string[];
}

/** The true items (objects and text lines) a set of scores states, as keys "object:dog" / "text:3". */
function statedKeys(score: CaptionScore): Set<string> {
  const keys = new Set(score.objectsStated.map((o) => `object:${o}`));
  for (const line of score.textStated) keys.add(`text:${line}`);
  return keys;
}

function trueKeys(score: CaptionScore): string[] {
  return [...score.objectsTrue.map((o) => `object:${o}`), ...(score.textTrue ?? []).map((l) => `text:${l}`)];
}

export function summarizeScores(scores: readonly CaptionScore[], added?: { lacked: number; added: number }): HallucinationSummary {
  let mentions = 0;
  let hallucinatedMentions = 0;
  let withHallucination = 0;
  let colorWords = 0;
  let wrongColors = 0;
  let expressionWords = 0;
  let wrongExpressions = 0;
  let quotes = 0;
  let wrongQuotes = 0;
  let positionClaims = 0;
  let wrongPositions = 0;
  let words = 0;
  let objectsTrue = 0;
  let objectsStated = 0;
  let textTrue = 0;
  let textStated = 0;
  for (const s of scores) {
    mentions += s.mentions.length;
    hallucinatedMentions += s.hallucinated.length;
    if (s.hallucinated.length) withHallucination++;
    colorWords += s.colorWords;
    wrongColors += s.wrongColors.length;
    expressionWords += s.expressionWords ?? 0;
    wrongExpressions += s.wrongExpressions.length;
    quotes += s.quotes ?? 0;
    wrongQuotes += s.wrongQuotes.length;
    positionClaims += s.positionClaims;
    wrongPositions += s.wrongPositions.length;
    words += s.words;
    objectsTrue += s.objectsTrue.length;
    objectsStated += s.objectsStated.length;
    // Text lines with repeats ("NO PARKING" twice) count once each as written, as the annotator listed them.
    textTrue += s.textTrue?.length ?? 0;
    textStated += s.textStated.length;
  }
  return {
    captions: scores.length,
    chairI: ratio(hallucinatedMentions, mentions),
    chairS: ratio(withHallucination, scores.length),
    mentions,
    hallucinatedMentions,
    wrongColorRate: ratio(wrongColors, colorWords),
    colorWords,
    wrongExpressionRate: ratio(wrongExpressions, expressionWords),
    expressionWords,
    wrongQuoteRate: ratio(wrongQuotes, quotes),
    quotes,
    wrongPositionRate: ratio(wrongPositions, positionClaims),
    positionClaims,
    wordsPerCaption: ratio(words, scores.length),
    objectRecall: ratio(objectsStated, objectsTrue),
    textRecall: ratio(textStated, textTrue),
    recall: ratio(objectsStated + textStated, objectsTrue + textTrue),
    addedShare: added ? ratio(added.added, added.lacked) : null,
    lackedItems: added?.lacked ?? 0,
  };
}

/** Scores every item and summarises; the added share is computed over the items that carry originals. */
export function summarizeHallucination(items: readonly TruthItem[]): HallucinationSummary {
  const scores: CaptionScore[] = [];
  let lacked = 0;
  let added = 0;
  let withOriginals = 0;
  for (const item of items) {
    const score = scoreCaption(item.caption, item.truth);
    scores.push(score);
    if (!item.originals) continue;
    withOriginals++;
    const had = new Set<string>();
    for (const o of item.originals) for (const k of statedKeys(scoreCaption(o, item.truth))) had.add(k);
    const now = statedKeys(score);
    // A repeated line ("NO PARKING" twice) is one key: stating it once states it.
    for (const k of new Set(trueKeys(score))) {
      if (had.has(k)) continue;
      lacked++;
      if (now.has(k)) added++;
    }
  }
  return summarizeScores(scores, withOriginals ? { lacked, added } : undefined);
}

/**
 * Wilson score interval of k successes in n trials (z = 1.96: 95%), as [low, high]; null when n is 0.
 * The truth set's halves are small (12 quotes on the test half), and a rate of 0 of 12 or 3 of 12 says
 * less than its percentage suggests: this says how much less.
 */
export function wilsonInterval(k: number, n: number, z = 1.96): [number, number] | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** The summary's rates with their counts and 95% Wilson intervals, for printing how sure each one is. */
export function rateIntervals(s: HallucinationSummary): Record<string, { k: number; n: number; low: number; high: number }> {
  const rows: [string, number | null, number][] = [
    ['CHAIR_i', s.chairI, s.mentions],
    ['CHAIR_s', s.chairS, s.captions],
    ['wrong colours', s.wrongColorRate, s.colorWords],
    ['wrong expressions', s.wrongExpressionRate, s.expressionWords],
    ['wrong quotes', s.wrongQuoteRate, s.quotes],
    ['wrong positions', s.wrongPositionRate, s.positionClaims],
    ['added', s.addedShare, s.lackedItems],
  ];
  const out: Record<string, { k: number; n: number; low: number; high: number }> = {};
  for (const [name, rate, n] of rows) {
    const ci = rate === null ? null : wilsonInterval(Math.round(rate * n), n);
    if (ci) out[name] = { k: Math.round(rate! * n), n, low: ci[0], high: ci[1] };
  }
  return out;
}

/** The summary as metric rows: name → value, null rates left out (nothing was judged). */
export function hallucinationMetricValues(s: HallucinationSummary): Record<string, number> {
  const all: Record<string, number | null> = {
    CHAIR_i: s.chairI,
    CHAIR_s: s.chairS,
    'wrong colours': s.wrongColorRate,
    'wrong expressions': s.wrongExpressionRate,
    'wrong quotes': s.wrongQuoteRate,
    'wrong positions': s.wrongPositionRate,
    'truth recall': s.recall,
    'truth object recall': s.objectRecall,
    'truth text recall': s.textRecall,
    'truth added share': s.addedShare,
  };
  return Object.fromEntries(Object.entries(all).filter((e): e is [string, number] => e[1] !== null));
}
