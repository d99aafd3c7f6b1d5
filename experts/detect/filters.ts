/**
 * Hallucination filters on the detector's output, applied in this order, each configurable
 * (config.detect.filters) and each accounted for in the output (`filters`: what was kept, what was
 * dropped or relabelled, and why):
 *
 * 1. calibrated thresholds — per-class score thresholds chosen on the truth set's tuning half for a
 *    precision target of 0.95 (calibration.json, made by scripts/calibrate-detect.ts); classes the
 *    tuning half saw too rarely use its global threshold. Reason `below_calibrated_threshold`.
 * 2. caption consistency — a detection whose class contradicts a subject the original caption names
 *    outside COCO-80 (caption-subjects.ts). Reason `caption_conflict`.
 * 3. flip agreement (off by default) — the detector run again on the mirrored photo; a detection whose
 *    class it does not find again at a mirrored box overlapping by `flipMinIou` is dropped (reason
 *    `flip_disagrees`). A hallucination is often a fluke of one view of the pixels; a real object is
 *    found either way round.
 * 4. classifier second opinion — EfficientNet-Lite0 (classifier.ts) on each box at least
 *    `classifierMinSide` px on both sides, people excepted (ImageNet has no person class): when the
 *    classes that contradict the label (imagenet.ts) hold at least `classifierMinProb` of the top-5
 *    probability and those that support it under `classifierMinSupport`, the detection is dropped
 *    (reason `classifier_contradicts`), or relabelled when the top class names another COCO label with
 *    probability ≥ `classifierRelabelProb`.
 *
 * Filters only remove or rename detections; scores and boxes are the detector's.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { DecodedImage } from '../../lib/image.ts';
import type { Box, DetectedObject, DetectFilterReport, DetectOutput } from '../types.ts';
import { captionSubjects } from './caption-subjects.ts';
import { type BoxClassifier, CLASSIFIER_MODEL, type ClassScore, loadBoxClassifier } from './classifier.ts';
import { bearing, IMAGENET_CLASSES, imagenetMeaning } from './imagenet.ts';
import { iou } from './nms.ts';

/** Bump when a filter's rule changes its output. */
export const FILTERS_VERSION = '1';

export interface DetectFilterOptions {
  thresholds?: boolean;
  caption?: boolean;
  classifier?: boolean;
  classifierMinProb?: number;
  classifierMinSupport?: number;
  classifierRelabelProb?: number;
  classifierMinSide?: number;
  flip?: boolean;
  flipMinIou?: number;
}

export const FILTER_DEFAULTS: Required<DetectFilterOptions> = {
  thresholds: true,
  caption: true,
  classifier: true,
  classifierMinProb: 0.5,
  classifierMinSupport: 0.1,
  classifierRelabelProb: 0.7,
  classifierMinSide: 32,
  flip: false,
  flipMinIou: 0.5,
};

export interface Calibration {
  /** Detector model id the scores belong to; another detector's scores are not comparable. */
  detector: string;
  precisionTarget: number;
  split: string;
  /** Threshold for classes the tuning half saw too rarely. */
  default: number;
  perClass: Record<string, number>;
}

const CALIBRATION_URL = new URL('./calibration.json', import.meta.url);

let calibrationCache: { calibration: Calibration; sha256: string } | null | undefined;

/** The committed calibration, or null when none has been made yet. */
export function loadCalibration(): { calibration: Calibration; sha256: string } | null {
  if (calibrationCache !== undefined) return calibrationCache;
  let text: string;
  try {
    text = readFileSync(CALIBRATION_URL, 'utf8');
  } catch {
    return (calibrationCache = null);
  }
  calibrationCache = { calibration: JSON.parse(text) as Calibration, sha256: createHash('sha256').update(text).digest('hex').slice(0, 16) };
  return calibrationCache;
}

/** What goes into the detect stage's params: every option, plus which calibration and classifier. */
export function describeFilters(options: DetectFilterOptions, detectorId: string): Record<string, unknown> {
  const { flip, flipMinIou, ...o } = { ...FILTER_DEFAULTS, ...options };
  const cal = loadCalibration();
  return {
    version: FILTERS_VERSION,
    ...o,
    // Named only when on, so detect results made before the flip filter existed keep their keys.
    ...(flip ? { flip, flipMinIou } : {}),
    calibration: o.thresholds && cal && cal.calibration.detector === detectorId ? cal.sha256 : null,
    classifierModel: o.classifier ? `${CLASSIFIER_MODEL.id}@${CLASSIFIER_MODEL.version}` : null,
  };
}

/** What the flip filter needs of the detector: one more run, on the mirrored photo. */
export interface Redetect {
  detect(image: DecodedImage): Promise<DetectOutput>;
}

export interface DetectFilters {
  /** `detector` is needed only with the flip filter on. */
  apply(
    output: DetectOutput,
    image: DecodedImage,
    captions: readonly string[],
    detectorId: string,
    detector?: Redetect,
  ): Promise<DetectOutput>;
  dispose(): Promise<void>;
}

export async function createDetectFilters(options: DetectFilterOptions = {}): Promise<DetectFilters> {
  const o = { ...FILTER_DEFAULTS, ...options };
  for (const key of ['classifierMinProb', 'classifierMinSupport', 'classifierRelabelProb', 'flipMinIou'] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new Error(`detect.filters.${key} must be within 0..1, got ${o[key]}`);
  }
  const classifier: BoxClassifier | null = o.classifier ? await loadBoxClassifier() : null;
  return {
    async apply(output, image, captions, detectorId, detector) {
      const report: DetectFilterReport = { version: FILTERS_VERSION, seen: output.objects.length, kept: 0, dropped: [], relabeled: [] };
      let objects = output.objects.map((d) => ({ ...d }));

      const cal = o.thresholds ? loadCalibration() : null;
      if (cal && cal.calibration.detector === detectorId) {
        const c = cal.calibration;
        objects = objects.filter((d) => {
          const threshold = c.perClass[d.label] ?? c.default;
          if (d.score >= threshold) return true;
          report.dropped.push(drop(d, 'below_calibrated_threshold', `score ${d.score} < ${threshold}`));
          return false;
        });
      }

      if (o.caption && captions.length > 0) {
        const subjects = captionSubjects(captions);
        objects = objects.filter((d) => {
          const subject = subjects.conflict(d.label);
          if (!subject) return true;
          report.dropped.push(drop(d, 'caption_conflict', `caption names "${subject}"`));
          return false;
        });
      }

      if (o.flip && objects.length > 0) {
        if (!detector) throw new Error('detect.filters.flip needs the detector to run again; apply() was given none');
        const again = (await detector.detect(mirrored(image))).objects.map((d) => ({ ...d, box: mirrorBox(d.box, image.width) }));
        objects = objects.filter((d) => {
          const best = Math.max(0, ...again.filter((a) => a.label === d.label).map((a) => iou(a.box, d.box)));
          if (best >= o.flipMinIou) return true;
          report.dropped.push(drop(d, 'flip_disagrees', `best IoU in the mirrored pass ${best.toFixed(2)} < ${o.flipMinIou}`));
          return false;
        });
      }

      if (classifier) {
        const judged = objects.filter(
          (d) => d.label !== 'person' && d.box.width >= o.classifierMinSide && d.box.height >= o.classifierMinSide,
        );
        const opinions = await classifier.classify(
          image,
          judged.map((d) => d.box),
          5,
        );
        const verdicts = new Map<DetectedObject, string>();
        judged.forEach((d, i) => {
          const top = opinions[i];
          const { support, against } = weighOpinion(top, d.label);
          if (support >= o.classifierMinSupport || against < o.classifierMinProb) return;
          const first = top[0];
          const detail = `${IMAGENET_CLASSES[first.index]} ${first.prob.toFixed(2)}`;
          const rename = imagenetMeaning(first.index).coco;
          if (rename && rename !== d.label && first.prob >= o.classifierRelabelProb) {
            report.relabeled.push({ from: d.label, to: rename, score: d.score, box: d.box, reason: 'classifier_relabels', detail });
            d.label = rename;
          } else {
            report.dropped.push(drop(d, 'classifier_contradicts', detail));
            verdicts.set(d, 'drop');
          }
        });
        objects = objects.filter((d) => !verdicts.has(d));
      }

      report.kept = objects.length;
      return { ...output, objects, filters: report };
    },
    async dispose() {
      await classifier?.dispose();
    },
  };
}

/** The photo mirrored left to right. */
export function mirrored(image: DecodedImage): DecodedImage {
  const { width, height } = image;
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    const row = y * width * 3;
    for (let x = 0; x < width; x++) image.data.copy(data, row + (width - 1 - x) * 3, row + x * 3, row + x * 3 + 3);
  }
  return { ...image, data };
}

/** A box found in the mirrored photo, in the original's pixels. */
export function mirrorBox(box: Box, width: number): Box {
  return { ...box, x: width - box.x - box.width };
}

/** Top-k probability on classes that support and that contradict `label` (imagenet.ts bearing). */
export function weighOpinion(top: readonly ClassScore[], label: string): { support: number; against: number } {
  let support = 0;
  let against = 0;
  for (const s of top) {
    const b = bearing(s.index, label);
    if (b === 'supports') support += s.prob;
    else if (b === 'contradicts') against += s.prob;
  }
  return { support, against };
}

function drop(d: { label: string; score: number; box: Box }, reason: string, detail: string) {
  return { label: d.label, score: d.score, box: d.box, reason, detail };
}
