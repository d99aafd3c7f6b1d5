/**
 * Sentence similarity for the grounding check: all-MiniLM-L6-v2 (int8 ONNX) through transformers.js,
 * mean-pooled and L2-normalised, so a dot product is the cosine. Local files only (the folder setup
 * installs in the models dir); nothing is fetched from a hub.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { modelsDir } from './llama.ts';

export const MINILM_DIR = 'all-MiniLM-L6-v2';

export interface Embedder {
  readonly model: string;
  /** Unit vectors, one per text. */
  embed(texts: string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export function defaultEmbedderPath(): string {
  return join(modelsDir(), MINILM_DIR);
}

export async function loadEmbedder(folder = defaultEmbedderPath()): Promise<Embedder> {
  const onnx = join(folder, 'onnx', 'model_quantized.onnx');
  if (!existsSync(onnx) || !existsSync(join(folder, 'tokenizer.json'))) {
    throw new Error(`similarity model not found: ${folder} needs tokenizer.json and onnx/model_quantized.onnx (run scripts/setup.sh)`);
  }
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowLocalModels = true;
  env.allowRemoteModels = false;
  env.localModelPath = dirname(folder) + '/';
  const extractor = await pipeline('feature-extraction', basename(folder), { dtype: 'q8', device: 'cpu' });
  const cache = new Map<string, Float32Array>();
  return {
    model: `sentence-transformers/all-MiniLM-L6-v2@q8`,
    async embed(texts) {
      const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
      if (missing.length) {
        const out = await extractor(missing, { pooling: 'mean', normalize: true });
        const dim = out.dims[out.dims.length - 1];
        const data = out.data as Float32Array;
        missing.forEach((t, i) => cache.set(t, data.slice(i * dim, (i + 1) * dim)));
        // Bounded: one image's phrases are a few dozen; a long run must not grow without end.
        if (cache.size > 5000) cache.clear();
      }
      return texts.map((t) => cache.get(t) ?? new Float32Array());
    },
    async dispose() {
      await extractor.dispose();
    },
  };
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}
