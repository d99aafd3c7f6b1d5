/**
 * PaddleOCR (PP-OCRv6 small by default, or PP-OCRv4 mobile) through onnxruntime-node: DB text detection → angle classification of the
 * crops (0° / 180°) → SVTR-LCNet recognition with greedy CTC decoding → words, lines, reading order.
 * All boxes are in the pixels of the upright image handed to read().
 */
import path from 'node:path';
import ort from 'onnxruntime-node';
import type { DecodedImage } from '../../lib/image.ts';
import type { ModelRef, OcrOutput } from '../types.ts';
import { ctcGreedyDecode } from './ctc.ts';
import { drawWidth, flipped, readingRect, sampleInto } from './crop.ts';
import { DEFAULT_DB_OPTIONS, detectBoxes, type DbOptions } from './db-postprocess.ts';
import { prepareDetInput } from './det-preprocess.ts';
import type { RotatedRect } from './geometry.ts';
import { toOutput, toSegment, type RecognisedBox, type Segment } from './layout.ts';
import { paddleModelRef } from './model-ref.ts';
import {
  acquireSession,
  defaultModelDir,
  loadCharacterClasses,
  paddleFiles,
  releaseSession,
  type PaddleModelFiles,
} from './model-files.ts';
import { assertDecodedImage, OCR_MIN_SIDE_DEFAULT, type OcrEngine, type OcrOptions } from './types.ts';

const REC_HEIGHT = 48;
/**
 * Narrowest rec input. PaddleOCR pads every batch to at least 320 columns (its training width); on the
 * rendered test set and the sample signs 160 reads exactly the same and saves ~4% of OCR CPU time
 * (short words like "STOP" cost half).
 */
const REC_MIN_WIDTH = 160;
/** Widest rec input (a 50:1 line); longer boxes are squeezed rather than allocating unbounded tensors. */
const REC_MAX_WIDTH = 2400;
const REC_BATCH = 8;
const CLS_WIDTH = 192;
const CLS_BATCH = 16;
/** Flip a crop only when the classifier is this sure it is upside down (PaddleOCR's cls_thresh). */
const CLS_THRESHOLD = 0.9;
/** Boxes thinner than this many image pixels cannot hold readable text. */
const MIN_TEXT_HEIGHT = 4;

export class PaddleOcr implements OcrEngine {
  private constructor(
    readonly model: ModelRef,
    private readonly set: PaddleModelFiles,
    private readonly det: ort.InferenceSession,
    private readonly rec: ort.InferenceSession,
    private readonly cls: ort.InferenceSession | null,
    private readonly classes: string[],
    private readonly files: string[],
    private readonly threads: number,
    private readonly minConfidence: number,
    private readonly maxLines: number,
    private readonly maxSide: number,
    private readonly minSide: number,
    private readonly db: DbOptions,
  ) {}

  static async create(options: OcrOptions): Promise<PaddleOcr> {
    const set = paddleFiles(options.model);
    const model = paddleModelRef(options.model);
    const dir = options.modelDir ?? defaultModelDir(options.model);
    const threads = options.threads ?? 1;
    const useCls = options.angleClassifier ?? true;
    const files = [set.det, set.rec, ...(useCls ? [set.cls] : [])].map((f) => path.join(dir, f));
    const acquired: string[] = [];
    try {
      const classes = await loadCharacterClasses(path.join(dir, set.keys), set.source);
      const sessions: ort.InferenceSession[] = [];
      for (const file of files) {
        sessions.push(await acquireSession(file, threads, set.source));
        acquired.push(file);
      }
      const [det, rec, cls] = sessions;
      const recClasses = rec.outputMetadata[0];
      const declared = recClasses && 'shape' in recClasses ? recClasses.shape.at(-1) : undefined;
      if (typeof declared === 'number' && declared !== classes.length) {
        throw new Error(
          `PaddleOCR dictionary ${path.join(dir, set.keys)} gives ${classes.length} classes (blank + keys + space) ` +
            `but ${files[1]} outputs ${declared}: the files come from different model releases (${set.source})`,
        );
      }
      return new PaddleOcr(
        model,
        set,
        det,
        rec,
        cls ?? null,
        classes,
        files,
        threads,
        options.minConfidence ?? 0.6,
        options.maxLines ?? 20,
        options.maxSide ?? 960,
        options.minSide ?? OCR_MIN_SIDE_DEFAULT,
        DEFAULT_DB_OPTIONS,
      );
    } catch (error) {
      await Promise.all(acquired.map((f) => releaseSession(f, threads)));
      throw error;
    }
  }

  async read(image: DecodedImage): Promise<OcrOutput> {
    assertDecodedImage(image);
    const rects = await this.detect(image);
    if (rects.length === 0) return { lines: [] };
    const upright = this.cls ? await this.classifyAngles(image, rects) : rects;
    const recognised = await this.recognise(image, upright);
    const segments: Segment[] = [];
    for (const item of recognised) {
      if (item.decoded.confidence < this.minConfidence) continue;
      const segment = toSegment(item, image.width, image.height);
      if (segment) segments.push(segment);
    }
    return toOutput(segments, this.maxLines);
  }

  /** Text boxes in reading orientation, image pixels. */
  private async detect(image: DecodedImage): Promise<RotatedRect[]> {
    const input = await prepareDetInput(image, this.maxSide, this.minSide, this.set);
    const feeds = { [this.det.inputNames[0]]: new ort.Tensor('float32', input.tensor, [1, 3, input.height, input.width]) };
    const out = (await this.det.run(feeds))[this.det.outputNames[0]];
    const boxes = detectBoxes(out.data as Float32Array, input.width, input.height, input.scaleX, input.scaleY, this.db);
    return boxes.map((b) => readingRect(b.rect)).filter((r) => r.height >= MIN_TEXT_HEIGHT);
  }

  /** Turns crops the classifier finds upside down (p(180°) > 0.9) by 180°. */
  private async classifyAngles(image: DecodedImage, rects: RotatedRect[]): Promise<RotatedRect[]> {
    const cls = this.cls!;
    const result = rects.slice();
    for (let start = 0; start < rects.length; start += CLS_BATCH) {
      const batch = rects.slice(start, start + CLS_BATCH);
      const tensor = new Float32Array(batch.length * 3 * REC_HEIGHT * CLS_WIDTH);
      batch.forEach((rect, index) => {
        sampleInto(image, rect, { tensor, index, width: CLS_WIDTH, height: REC_HEIGHT }, drawWidth(rect, REC_HEIGHT, CLS_WIDTH));
      });
      const feeds = { [cls.inputNames[0]]: new ort.Tensor('float32', tensor, [batch.length, 3, REC_HEIGHT, CLS_WIDTH]) };
      const probs = (await cls.run(feeds))[cls.outputNames[0]].data as Float32Array;
      batch.forEach((rect, i) => {
        if (probs[i * 2 + 1] > CLS_THRESHOLD) result[start + i] = flipped(rect);
      });
    }
    return result;
  }

  /**
   * Crops sorted by aspect ratio and batched only with crops of similar width, so padding wastes little:
   * rec cost grows with the tensor width, and on 2 cores one padded batch costs more than two runs.
   * Every batch is as wide as its widest crop (at least REC_MIN_WIDTH).
   */
  private async recognise(image: DecodedImage, rects: RotatedRect[]): Promise<RecognisedBox[]> {
    const order = rects.map((_, i) => i).sort((a, b) => aspect(rects[a]) - aspect(rects[b]));
    const results: RecognisedBox[] = new Array(rects.length);
    for (const batch of similarWidthBatches(order.map((i) => ({ index: i, width: drawWidth(rects[i], REC_HEIGHT, REC_MAX_WIDTH) })))) {
      const widths = batch.map((i) => drawWidth(rects[i], REC_HEIGHT, REC_MAX_WIDTH));
      const tensorWidth = Math.max(REC_MIN_WIDTH, ...widths);
      const tensor = new Float32Array(batch.length * 3 * REC_HEIGHT * tensorWidth);
      batch.forEach((rectIndex, index) => {
        sampleInto(image, rects[rectIndex], { tensor, index, width: tensorWidth, height: REC_HEIGHT }, widths[index]);
      });
      const feeds = { [this.rec.inputNames[0]]: new ort.Tensor('float32', tensor, [batch.length, 3, REC_HEIGHT, tensorWidth]) };
      const out = (await this.rec.run(feeds))[this.rec.outputNames[0]];
      const [, frames, classes] = out.dims;
      if (classes !== this.classes.length) {
        throw new Error(`PaddleOCR rec model output has ${classes} classes, dictionary has ${this.classes.length}`);
      }
      const probs = out.data as Float32Array;
      batch.forEach((rectIndex, index) => {
        results[rectIndex] = {
          rect: rects[rectIndex],
          decoded: ctcGreedyDecode(probs, frames, this.classes, index),
          columnsPerFrame: tensorWidth / frames,
          drawnWidth: widths[index],
        };
      });
    }
    return results;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.files.map((f) => releaseSession(f, this.threads)));
  }
}

/** Consecutive runs (input sorted by width) of at most REC_BATCH items whose widths differ by ≤ 25%. */
function similarWidthBatches(items: { index: number; width: number }[]): number[][] {
  const batches: number[][] = [];
  let current: number[] = [];
  let first = 0;
  for (const item of items) {
    const width = Math.max(REC_MIN_WIDTH, item.width);
    if (current.length === REC_BATCH || (current.length > 0 && width > 1.25 * first)) {
      batches.push(current);
      current = [];
    }
    if (current.length === 0) first = width;
    current.push(item.index);
  }
  if (current.length) batches.push(current);
  return batches;
}

function aspect(rect: RotatedRect): number {
  return rect.width / Math.max(rect.height, 1e-6);
}
