/**
 * Seq2seq fuser on transformers.js' text2text-generation pipeline (Flan-T5 family, the paper's fuser
 * family). The model is a local folder, or a hub id looked up under `localModelPath` and downloaded only
 * when `allowRemote` is set, so a worker never reaches the network by surprise.
 *
 * Verified here: the resolution and the clear errors for a missing or incomplete model folder. No
 * Flan-T5 weights exist on this machine, so generation itself is untested here.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';

export interface Text2TextOptions {
  model: string;
  localModelPath: string;
  allowRemote: boolean;
  dtype: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  maxNewTokens: number;
  numBeams: number;
}

export class ModelNotFoundError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelNotFoundError';
  }
}

/** Files transformers.js needs for an encoder-decoder model exported the Xenova / optimum way. */
const REQUIRED_FILES = ['config.json', 'tokenizer.json'];
const ONNX_DIR = 'onnx';

export interface ResolvedModel {
  /** What to pass to pipeline(): a folder name relative to localModelPath, or a hub id. */
  modelId: string;
  localModelPath: string;
  allowRemote: boolean;
  /** The folder on disk, or null when the model will come from the hub. */
  folder: string | null;
}

/** Decides where the model comes from, and fails with a message saying what is missing if it cannot. */
export function resolveText2TextModel(options: Pick<Text2TextOptions, 'model' | 'localModelPath' | 'allowRemote'>): ResolvedModel {
  const spec = options.model.trim();
  if (!spec) throw new ModelNotFoundError('fuse.text2text.model is empty: give a local folder or a hub id such as Xenova/flan-t5-base');
  const looksLikePath = isAbsolute(spec) || spec.startsWith('.') || existsSync(spec);
  const folder = looksLikePath ? resolve(spec) : resolve(options.localModelPath, spec);
  if (existsSync(folder)) {
    checkFolder(folder);
    // transformers.js addresses local models as <localModelPath>/<id>; split the folder accordingly.
    return looksLikePath
      ? { modelId: folder.split(/[\\/]/).pop()!, localModelPath: resolve(folder, '..'), allowRemote: false, folder }
      : { modelId: spec, localModelPath: resolve(options.localModelPath), allowRemote: false, folder };
  }
  if (looksLikePath || !options.allowRemote) {
    throw new ModelNotFoundError(
      `text2text model ${JSON.stringify(spec)} not found at ${folder}; it needs ${REQUIRED_FILES.join(', ')} and ` +
        `${ONNX_DIR}/encoder_model*.onnx + ${ONNX_DIR}/decoder_model_merged*.onnx (e.g. a copy of Xenova/flan-t5-base)` +
        (looksLikePath ? '' : '; or set fuse.text2text.allowRemote=true to download it from the hub'),
    );
  }
  return { modelId: spec, localModelPath: resolve(options.localModelPath), allowRemote: true, folder: null };
}

function checkFolder(folder: string): void {
  if (!statSync(folder).isDirectory()) throw new ModelNotFoundError(`text2text model path ${folder} is not a folder`);
  const missing = REQUIRED_FILES.filter((f) => !existsSync(join(folder, f)));
  const onnxDir = join(folder, ONNX_DIR);
  const onnx = existsSync(onnxDir) ? readdirSync(onnxDir).filter((f) => f.endsWith('.onnx')) : [];
  if (!onnx.some((f) => f.startsWith('encoder_model'))) missing.push(`${ONNX_DIR}/encoder_model*.onnx`);
  if (!onnx.some((f) => f.startsWith('decoder_model'))) missing.push(`${ONNX_DIR}/decoder_model_merged*.onnx`);
  if (missing.length) throw new ModelNotFoundError(`text2text model folder ${folder} is incomplete: missing ${missing.join(', ')}`);
}

export interface Text2TextGenerator {
  generate(prompt: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Loads the pipeline (once per call; the fuser caches the generator). */
export async function loadText2Text(options: Text2TextOptions): Promise<Text2TextGenerator> {
  const resolved = resolveText2TextModel(options);
  // Imported lazily: loading transformers.js (and onnxruntime) costs ~1 s and most workers never need it.
  const { env, pipeline } = await import('@huggingface/transformers');
  env.allowLocalModels = true;
  env.localModelPath = resolved.localModelPath.endsWith('/') ? resolved.localModelPath : resolved.localModelPath + '/';
  env.allowRemoteModels = resolved.allowRemote;
  let generator;
  try {
    generator = await pipeline('text2text-generation', resolved.modelId, { dtype: options.dtype, device: 'cpu' });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new ModelNotFoundError(`loading text2text model ${JSON.stringify(options.model)} failed: ${message}`);
  }
  return {
    async generate(prompt) {
      const out = await generator(prompt, { max_new_tokens: options.maxNewTokens, num_beams: options.numBeams, do_sample: false });
      const first = (Array.isArray(out) ? out[0] : out) as { generated_text?: unknown } | undefined;
      return typeof first?.generated_text === 'string' ? first.generated_text : '';
    },
    async dispose() {
      await generator.dispose();
    },
  };
}
