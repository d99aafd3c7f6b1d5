/**
 * One detector graph behind one interface, whichever runtime runs it: the TF.js graph model from
 * human-models on tfjs (wasm), or its ONNX conversion (models/detect/) on onnxruntime-node. CenterNet
 * and NanoDet do their own pre- and post-processing around `run`, so both runtimes see the same input
 * floats and their outputs go through the same decoding.
 *
 * Both runtimes run a graph synchronously on the calling JS thread (onnxruntime-node's `run` defers to
 * setImmediate and then blocks; with one intra-op thread it computes on the caller). The ONNX graph is
 * ~4-6× faster (CenterNet ~29 ms, NanoDet ~20 ms here), so it blocks for that much less.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { ModelFileError } from '../../lib/model-files.ts';
import { convertedModel, type ConvertedName, REBUILD_HINT } from './converted-models.ts';
import { HUMAN_MODELS_PACKAGE } from './model-ref.ts';
import { yieldToEventLoop } from './raw-detector.ts';
import type { TfjsBackend } from './tfjs-runtime.ts';

export const DETECT_RUNTIMES = ['onnx', 'tfjs'] as const;
export type DetectRuntime = (typeof DETECT_RUNTIMES)[number];

export interface GraphOutput {
  dims: readonly number[];
  data: Float32Array;
}

export interface GraphRunner {
  /** Input shape the graph declares, e.g. [1, 512, 512, 3]. */
  readonly inputShape: readonly number[];
  /** Runs the graph on one float input; outputs in `outputNames` order (all outputs when absent). */
  run(input: Float32Array, shape: readonly number[]): Promise<GraphOutput[]>;
  dispose(): Promise<void>;
}

export interface RunnerOptions {
  runtime: DetectRuntime;
  /** tfjs: model.json path; onnx: .onnx path. Absent: the human-models file / the shipped conversion. */
  modelPath?: string;
  tfjsBackend?: TfjsBackend;
  /** onnx: intra-op threads. */
  threads?: number;
}

/** Display names for messages. */
const TITLES: Record<ConvertedName, string> = { centernet: 'CenterNet', nanodet: 'NanoDet' };

export async function loadGraphRunner(name: ConvertedName, options: RunnerOptions, outputNames?: readonly string[]): Promise<GraphRunner> {
  if (!DETECT_RUNTIMES.includes(options.runtime)) {
    throw new Error(`unknown detect runtime "${String(options.runtime)}"; allowed: ${DETECT_RUNTIMES.join(', ')}`);
  }
  return options.runtime === 'onnx' ? onnxRunner(name, options, outputNames) : tfjsRunner(name, options, outputNames);
}

async function tfjsRunner(name: ConvertedName, options: RunnerOptions, outputNames?: readonly string[]): Promise<GraphRunner> {
  // Imported here: a process that runs only the ONNX detectors never loads tfjs for them.
  const { initTfjs, loadGraphModelFile, packageFile, tf } = await import('./tfjs-runtime.ts');
  await initTfjs(options.tfjsBackend ?? 'wasm');
  const file = options.modelPath ?? packageFile(HUMAN_MODELS_PACKAGE, `models/${name}.json`);
  const graph = await loadGraphModelFile(file, `npm package ${HUMAN_MODELS_PACKAGE}`);
  // tfjs names tensors without the ":0" the ONNX conversion keeps.
  const names = outputNames?.map((n) => n.replace(/:0$/, ''));
  return {
    inputShape: graph.inputs[0]?.shape ?? [],
    async run(input, shape) {
      // Lets pending callbacks (heartbeats, sockets) run before the synchronous graph call.
      await yieldToEventLoop();
      const outputs = tf.tidy(() => {
        const result = graph.execute(tf.tensor(input, [...shape], 'float32'), names ? [...names] : undefined);
        return Array.isArray(result) ? result : [result];
      });
      try {
        const data = await Promise.all(outputs.map((t) => t.data() as Promise<Float32Array>));
        return outputs.map((t, i) => ({ dims: t.shape, data: data[i] }));
      } finally {
        tf.dispose(outputs);
      }
    },
    async dispose() {
      graph.dispose();
    },
  };
}

async function onnxRunner(name: ConvertedName, options: RunnerOptions, outputNames?: readonly string[]): Promise<GraphRunner> {
  const ortModule = await import('onnxruntime-node');
  const what = TITLES[name];
  let session: ort.InferenceSession;
  if (options.modelPath) {
    session = await openDetectorSession({
      file: options.modelPath,
      threads: options.threads ?? 1,
      what,
      hint: `make it with scripts/convert-detectors/convert.sh (config detect.model)`,
    });
  } else {
    const shipped = convertedModel(name);
    session = await openDetectorSession({
      file: shipped.file,
      sha256: shipped.sha256,
      threads: options.threads ?? 1,
      what,
      hint: REBUILD_HINT,
    });
  }
  const inputName = session.inputNames[0];
  const meta = session.inputMetadata[0];
  const inputShape = meta?.isTensor ? meta.shape.map((d) => (typeof d === 'number' ? d : -1)) : [];
  const fetch = outputNames ? [...outputNames] : [...session.outputNames];
  const missing = fetch.filter((n) => !session.outputNames.includes(n));
  if (missing.length > 0) {
    await session.release();
    throw new Error(
      `${options.modelPath ?? name} is not the ${what} graph: no output ${missing.join(', ')} (has ${session.outputNames.join(', ')})`,
    );
  }
  return {
    inputShape,
    async run(input, shape) {
      const result = await session.run({ [inputName]: new ortModule.Tensor('float32', input, [...shape]) }, fetch);
      return fetch.map((n) => ({ dims: result[n].dims, data: result[n].data as Float32Array }));
    },
    async dispose() {
      await session.release();
    },
  };
}

export interface OpenOptions {
  /** The file to open. */
  file: string;
  /** When set (shipped files), the file's sha256 must equal it. */
  sha256?: string;
  /** onnxruntime intra-op threads; 1 runs the model on the calling thread only. */
  threads: number;
  /** What the file should be, for messages ("CenterNet"). */
  what: string;
  /** How to get the file back, for messages. */
  hint: string;
}

/**
 * Opens an ONNX detector with graph optimisation level "all": levels below it reach only about half
 * the speed on these graphs (measured in the vision-speed issue). One inter-op thread: the graphs are
 * chains, there is nothing to run side by side.
 */
export async function openDetectorSession(options: OpenOptions): Promise<ort.InferenceSession> {
  const { file, what, hint } = options;
  if (file.endsWith('.json')) {
    throw new ModelFileError(
      `${what} file ${file} is a tfjs model.json, but detect.runtime is "onnx": set detect.runtime to "tfjs" for it, or give a .onnx file`,
      file,
    );
  }
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(`${what} ONNX file ${file} is ${code === 'ENOENT' ? 'missing' : 'unreadable'}; ${hint}`, file);
  }
  if (options.sha256) {
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== options.sha256) {
      throw new ModelFileError(
        `${what} ONNX file ${file} is corrupt: sha256 ${actual.slice(0, 12)}… (${bytes.length} bytes), manifest says ${options.sha256.slice(0, 12)}…; ${hint}`,
        file,
      );
    }
  }
  try {
    const { InferenceSession } = await import('onnxruntime-node');
    return await InferenceSession.create(bytes, {
      intraOpNumThreads: options.threads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: 'all',
    });
  } catch (error) {
    throw new ModelFileError(`${what} ONNX file ${file} is corrupt or not an ONNX model (${(error as Error).message}); ${hint}`, file);
  }
}
