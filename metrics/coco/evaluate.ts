/**
 * The COCO caption evaluation (pycocoevalcap's COCOEvalCap.evaluate) over plain maps: tokenize
 * references and candidates with the PTB rules, then BLEU-1..4, METEOR, ROUGE-L, CIDEr-D and CIDEr.
 *
 * Metric names follow the toolkit's keys, with one deliberate difference: the toolkit's "CIDEr" key holds
 * CIDEr-D (see cider.ts), so it is reported here as "CIDEr-D", and "CIDEr" is the original metric.
 */
import { bleu } from './bleu.ts';
import { cider, ciderD } from './cider.ts';
import { meteor, type MeteorOptions, type MeteorScorer } from './meteor.ts';
import { loadMeteorResources } from './meteor/resources.ts';
import { scoreMeteor } from './meteor/scorer.ts';
import { countCaptions } from './ngrams.ts';
import { rougeL } from './rouge.ts';
import { cocoTokenizeSequence } from './tokenizer.ts';

export const COCO_METRICS = ['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4', 'METEOR', 'ROUGE_L', 'CIDEr-D', 'CIDEr'] as const;
export type CocoMetric = (typeof COCO_METRICS)[number];
export type MeteorBackend = 'typescript' | 'jar';

export interface CocoEvalInput {
  /** image id → reference captions (at least one each). */
  references: Record<string, readonly string[]>;
  /** image id → the one candidate caption for that image. */
  candidates: Record<string, string>;
  /** Which metrics to compute; default all. METEOR reads its tables from the pycocoevalcap package. */
  metrics?: readonly CocoMetric[];
  /**
   * "typescript" (default): METEOR 1.5 re-implemented here (metrics/coco/meteor/), equal to the jar;
   * "jar": pycocoevalcap's meteor-1.5.jar itself (needs java).
   */
  meteorBackend?: MeteorBackend;
  meteor?: MeteorOptions;
  /** A running METEOR jar to reuse across evaluations (saves its ~5 s start); closed by the caller. */
  meteorScorer?: MeteorScorer;
}

export interface CocoEvalResult {
  /** Image ids in the order of the per-image arrays (the candidates' key order). */
  imageIds: string[];
  corpus: Partial<Record<CocoMetric, number>>;
  perImage: Partial<Record<CocoMetric, number[]>>;
  timingsMs: Record<string, number>;
}

/** Invalid evaluation input; `ids` names the offending image ids. */
export class CaptionInputError extends Error {
  constructor(
    message: string,
    readonly ids: string[],
  ) {
    super(message);
    this.name = 'CaptionInputError';
  }
}

function listIds(ids: string[]): string {
  const shown = ids
    .slice(0, 20)
    .map((id) => JSON.stringify(id))
    .join(', ');
  return ids.length > 20 ? `${shown} … (${ids.length} in all)` : shown;
}

/**
 * The toolkit asserts that both sides have the same ids and at least one reference each; this says
 * which ids break that instead of failing an assert.
 */
export function validateCaptionInput(references: Record<string, readonly string[]>, candidates: Record<string, string>): string[] {
  const ids = Object.keys(candidates);
  if (ids.length === 0) throw new CaptionInputError('no candidate captions to evaluate', []);
  const missingRefs = ids.filter((id) => !Object.hasOwn(references, id));
  if (missingRefs.length > 0) {
    throw new CaptionInputError(`candidates without references for image ids ${listIds(missingRefs)}`, missingRefs);
  }
  const missingCands = Object.keys(references).filter((id) => !Object.hasOwn(candidates, id));
  if (missingCands.length > 0) {
    throw new CaptionInputError(`references without a candidate for image ids ${listIds(missingCands)}`, missingCands);
  }
  const noRefs = ids.filter((id) => !Array.isArray(references[id]) || references[id].length === 0);
  if (noRefs.length > 0) throw new CaptionInputError(`no reference captions for image ids ${listIds(noRefs)}`, noRefs);
  const notText = ids.filter((id) => typeof candidates[id] !== 'string' || references[id].some((r) => typeof r !== 'string'));
  if (notText.length > 0) throw new CaptionInputError(`captions that are not strings for image ids ${listIds(notText)}`, notText);
  return ids;
}

export async function evaluateCaptions(input: CocoEvalInput): Promise<CocoEvalResult> {
  const ids = validateCaptionInput(input.references, input.candidates);
  const wanted = new Set(input.metrics ?? COCO_METRICS);
  const timingsMs: Record<string, number> = {};
  const timed = <T>(name: string, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    timingsMs[name] = performance.now() - t0;
    return r;
  };

  // Two jar-equivalent calls, as pycocoevalcap makes them: all references in image order, then all
  // candidates (the jar's lookahead lets a caption's tokens depend on the next line).
  const [cands, refs] = timed('tokenize', () => {
    const flatRefs = cocoTokenizeSequence(ids.flatMap((id) => input.references[id]));
    let k = 0;
    const grouped = ids.map((id) => input.references[id].map(() => flatRefs[k++]));
    return [cocoTokenizeSequence(ids.map((id) => input.candidates[id])), grouped] as const;
  });
  const needCounts = [...wanted].some((m) => m.startsWith('Bleu') || m.startsWith('CIDEr'));
  const counted = needCounts ? timed('count', () => countCaptions(cands, refs)) : undefined;
  const corpus: CocoEvalResult['corpus'] = {};
  const perImage: CocoEvalResult['perImage'] = {};

  if (['Bleu_1', 'Bleu_2', 'Bleu_3', 'Bleu_4'].some((m) => wanted.has(m as CocoMetric))) {
    const b = timed('bleu', () => bleu(cands, refs, counted));
    for (let k = 0; k < 4; k++) {
      const name = `Bleu_${k + 1}` as CocoMetric;
      if (!wanted.has(name)) continue;
      corpus[name] = b.corpus[k];
      perImage[name] = b.perImage[k];
    }
  }
  if (wanted.has('ROUGE_L')) {
    const r = timed('rouge', () => rougeL(cands, refs));
    corpus.ROUGE_L = r.corpus;
    perImage.ROUGE_L = r.perImage;
  }
  if (wanted.has('CIDEr-D')) {
    const c = timed('ciderD', () => ciderD(cands, refs, counted));
    corpus['CIDEr-D'] = c.corpus;
    perImage['CIDEr-D'] = c.perImage;
  }
  if (wanted.has('CIDEr')) {
    const c = timed('cider', () => cider(cands, refs, counted));
    corpus.CIDEr = c.corpus;
    perImage.CIDEr = c.perImage;
  }
  if (wanted.has('METEOR')) {
    const t0 = performance.now();
    const backend = input.meteorScorer ? 'jar' : (input.meteorBackend ?? 'typescript');
    const m =
      backend === 'typescript'
        ? scoreMeteor(cands, refs, loadMeteorResources())
        : input.meteorScorer
          ? await input.meteorScorer.score(cands, refs)
          : await meteor(cands, refs, input.meteor);
    timingsMs.meteor = performance.now() - t0;
    corpus.METEOR = m.corpus;
    perImage.METEOR = m.perImage;
  }
  return { imageIds: ids, corpus, perImage, timingsMs };
}
