/**
 * An LLM in process: llama.cpp through node-llama-cpp, any local GGUF chat model. What holds:
 * - binaries are the prebuilt ones shipped in node-llama-cpp's platform packages (`build: 'never'`:
 *   nothing is downloaded or compiled at run time); CUDA / Vulkan / Metal when the machine has them;
 * - the chat template is the GGUF's own (`tokenizer.chat_template`); a GGUF without one (a base model)
 *   is refused at load, since a base model continues the prompt instead of answering it;
 * - every reply is sampled under a grammar made from reply.ts's JSON schema, so it always parses;
 * - `parallel` sequences share one loaded model and one context: llama.cpp decodes the requests in flight
 *   in one batch. Default 1: on a 2-core CPU 4 sequences gave 1.07× the throughput, and greedy text that
 *   depends on the batch (config/schema.ts); on a GPU, where batching pays, check the captions;
 * - threads: one per core, never more: oversubscribed llama.cpp threads spin-wait (10× slower);
 * - greedy (temperature 0) and seeded by default: the same prompt gives the same caption.
 */
import { createHash } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { join } from 'node:path';
import { REPLY_JSON_SCHEMA } from './reply.ts';

/** The default fuser model, installed by scripts/setup-llm-models.sh. */
export const DEFAULT_LLAMA_MODEL = {
  file: 'qwen2.5-coder-1.5b-instruct-q4_k_m.gguf',
  sha256: 'cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046',
  size: 1_117_320_768,
} as const;

export interface LlamaOptions {
  /** Path of a GGUF file; the default model in the models dir when absent. */
  model?: string;
  /** Expected sha256 of the file; checked at load when set (always for the default model). */
  sha256?: string;
  /** Tokens per sequence (prompt + reply). */
  contextSize: number;
  /** Captions generated at once on the one loaded model. */
  parallel: number;
  /** CPU threads for llama.cpp; 0 = one per core (`os.availableParallelism()`). */
  threads: number;
  maxTokens: number;
  temperature: number;
  seed: number;
  /** auto: CUDA / Vulkan / Metal when present, else CPU. */
  gpu: 'auto' | 'cpu';
}

export type LlamaModelErrorCode = 'model_missing' | 'gguf_invalid' | 'gguf_unreadable' | 'sha256_mismatch' | 'no_chat_template';

/** A model file that cannot serve as a fuser: every image would fail, so the batch fails loudly. */
export class LlamaModelError extends Error {
  constructor(
    message: string,
    readonly code: LlamaModelErrorCode,
  ) {
    super(message);
    this.name = 'LlamaModelError';
  }
}

/** The prompt does not fit the context: this image's caption falls back, the others go on. */
export class LlamaPromptTooLongError extends Error {
  constructor(
    readonly promptTokens: number,
    readonly limit: number,
  ) {
    super(`prompt of ${promptTokens} tokens does not fit the context (at most ${limit} with the reply)`);
    this.name = 'LlamaPromptTooLongError';
  }
}

/** llama.cpp threads for a context: never more than the cores (oversubscribed, its threads spin-wait). */
export function llamaThreads(configured: number, cores = availableParallelism()): number {
  return configured > 0 ? Math.min(configured, cores) : cores;
}

export function modelsDir(env: Record<string, string | undefined> = process.env): string {
  return env.FUSECAP_MODELS_DIR || join(homedir(), '.cache', 'fusecap', 'models');
}

export function resolveLlamaModel(options: Pick<LlamaOptions, 'model' | 'sha256'>): { path: string; sha256?: string } {
  if (options.model) return { path: options.model, sha256: options.sha256 };
  return { path: join(modelsDir(), DEFAULT_LLAMA_MODEL.file), sha256: options.sha256 ?? DEFAULT_LLAMA_MODEL.sha256 };
}

/** Whether the default model is installed and unchanged since setup verified it (cheap: reads its stamp). */
export function defaultModelInstalled(): boolean {
  const path = join(modelsDir(), DEFAULT_LLAMA_MODEL.file);
  return existsSync(path) && stampedSha256(path) === DEFAULT_LLAMA_MODEL.sha256;
}

/** setup-llm-models.sh writes `<file>.ok` = "sha256 size mtime" after hashing; valid while size and mtime hold. */
function stampedSha256(path: string): string | null {
  try {
    const [sha, size, mtime] = readFileSync(`${path}.ok`, 'utf8').trim().split(' ');
    const st = statSync(path);
    return String(st.size) === size && String(Math.floor(st.mtimeMs / 1000)) === mtime ? sha : null;
  } catch {
    return null;
  }
}

const hashCache = new Map<string, string>();

/**
 * sha256 of a model file, for the stage key: from setup's stamp when it still matches, else hashed once
 * per process (synchronously: describe() is synchronous; ~3 s per GB).
 */
export function modelSha256(path: string): string {
  if (!existsSync(path))
    throw new LlamaModelError(`fuse.llama.model ${path} does not exist (run scripts/setup.sh for the default model)`, 'model_missing');
  const st = statSync(path);
  const key = `${path}:${st.size}:${st.mtimeMs}`;
  const cached = hashCache.get(key);
  if (cached) return cached;
  const sha = stampedSha256(path) ?? hashFile(path);
  hashCache.set(key, sha);
  return sha;
}

function hashFile(path: string): string {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0;) hash.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** The tokens the chat template renders for a system + user turn, up to where the model's reply starts. */
function renderTokens(
  wrapper: import('node-llama-cpp').ChatWrapper,
  model: import('node-llama-cpp').LlamaModel,
  system: string,
  user: string,
): import('node-llama-cpp').Token[] {
  const chatHistory = [
    { type: 'system' as const, text: system },
    { type: 'user' as const, text: user },
    { type: 'model' as const, response: [] },
  ];
  return wrapper.generateContextState({ chatHistory }).contextText.tokenize(model.tokenizer);
}

function sharedPrefix<T>(a: readonly T[], b: readonly T[]): T[] {
  let n = 0;
  while (n < a.length && n < b.length && a[n] === b[n]) n++;
  return a.slice(0, n);
}

/**
 * Leaves the sequence holding exactly the system turn's tokens, evaluated on their own, before each request.
 * Why: greedy text must not depend on which caption the sequence served before. Reusing whatever prefix a
 * sequence held made it do so (the same giraffe facts gave "a giraffe …" in one run and "a light brown
 * giraffe …" in another): where the evaluation of a prompt starts, and the KV cells it lands in, change
 * the floating-point sums. With the system turn evaluated alone and every user turn evaluated from its end
 * into the same cells, each caption is computed the same way every time, and the system turn is still
 * evaluated only once per sequence.
 */
async function holdOnly(sequence: import('node-llama-cpp').LlamaContextSequence, prefix: import('node-llama-cpp').Token[]): Promise<void> {
  const held = sequence.contextTokens;
  if (held.length >= prefix.length && prefix.every((t, i) => held[i] === t)) {
    if (sequence.nextTokenIndex > prefix.length)
      await sequence.eraseContextTokenRanges([{ start: prefix.length, end: sequence.nextTokenIndex }]);
    return;
  }
  await sequence.clearHistory();
  await sequence.evaluateWithoutGeneratingNewTokens(prefix);
}

export interface LlamaGeneration {
  text: string;
  /** eogToken: the model ended the reply; maxTokens: it was cut off. */
  stopReason: string;
}

export interface LlamaEngine {
  readonly sha256: string;
  readonly gpu: string | false;
  readonly contextSize: number;
  /** Chat wrapper node-llama-cpp chose from the GGUF's template (e.g. "Qwen", "JinjaTemplate"). */
  readonly chatWrapper: string;
  generate(system: string, user: string, signal?: AbortSignal): Promise<LlamaGeneration>;
  dispose(): Promise<void>;
}

// One llama.cpp runtime per process (it owns the backend and its thread pool), created on first use.
let runtime: Promise<import('node-llama-cpp').Llama> | null = null;
let runtimeGpu: LlamaOptions['gpu'] | null = null;

async function getRuntime(gpu: LlamaOptions['gpu']): Promise<import('node-llama-cpp').Llama> {
  if (runtime && runtimeGpu === gpu) return runtime;
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  runtimeGpu = gpu;
  // maxThreads: node-llama-cpp's CPU default is max(4, cores), and 4 llama.cpp threads on a 2-core
  // machine spin-wait on each other: one caption took 190 s instead of 17 s (measured, see ARCHITECTURE.md).
  runtime = getLlama({
    build: 'never',
    gpu: gpu === 'cpu' ? false : 'auto',
    maxThreads: availableParallelism(),
    logLevel: LlamaLogLevel.error,
  });
  runtime.catch(() => (runtime = null));
  return runtime;
}

/** Checks the file (exists, GGUF magic, hash, chat template), then loads it with `parallel` sequences. */
export async function loadLlama(options: LlamaOptions): Promise<LlamaEngine> {
  const { path, sha256: expected } = resolveLlamaModel(options);
  const sha256 = modelSha256(path);
  const magic = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (magic.toString('latin1') !== 'GGUF') throw new LlamaModelError(`${path} is not a GGUF file (no GGUF magic)`, 'gguf_invalid');
  if (expected && expected.toLowerCase() !== sha256) {
    throw new LlamaModelError(`${path} has sha256 ${sha256}, expected ${expected} (a partial download or another file)`, 'sha256_mismatch');
  }
  const nlc = await import('node-llama-cpp');
  let chatTemplate: unknown;
  try {
    const info = await nlc.readGgufFileInfo(path, { readTensorInfo: false, logWarnings: false });
    chatTemplate = (info.metadata as { tokenizer?: { chat_template?: unknown } }).tokenizer?.chat_template;
  } catch (error) {
    throw new LlamaModelError(`${path}: the GGUF header cannot be read: ${(error as Error).message}`, 'gguf_unreadable');
  }
  if (typeof chatTemplate !== 'string' || !chatTemplate.trim()) {
    throw new LlamaModelError(
      `${path} has no chat template (tokenizer.chat_template): a base model, not an instruction-tuned chat model`,
      'no_chat_template',
    );
  }
  const llama = await getRuntime(options.gpu);
  let model: import('node-llama-cpp').LlamaModel;
  try {
    model = await llama.loadModel({ modelPath: path });
  } catch (error) {
    throw new LlamaModelError(`${path} cannot be loaded (truncated or corrupt?): ${(error as Error).message}`, 'gguf_unreadable');
  }
  const context = await model.createContext({
    sequences: options.parallel,
    contextSize: options.contextSize * options.parallel,
    threads: llamaThreads(options.threads),
  });
  const grammar = await llama.createGrammarForJsonSchema(REPLY_JSON_SCHEMA as never);
  // A free list of sequences: a sequence keeps its tokens between requests, so the next request reuses
  // the evaluated system turn (holdOnly) instead of evaluating it again.
  const free = Array.from({ length: options.parallel }, () => context.getSequence());
  const waiting: ((s: import('node-llama-cpp').LlamaContextSequence) => void)[] = [];
  const acquire = (): Promise<import('node-llama-cpp').LlamaContextSequence> =>
    free.length ? Promise.resolve(free.pop()!) : new Promise((resolve) => waiting.push(resolve));
  const release = (s: import('node-llama-cpp').LlamaContextSequence): void => {
    const next = waiting.shift();
    if (next) next(s);
    else free.push(s);
  };
  const perSequence = free[0].contextSize;
  let chatWrapper = '';
  const prefixes = new Map<string, import('node-llama-cpp').Token[]>();
  const systemPrefix = (wrapper: import('node-llama-cpp').ChatWrapper, system: string): import('node-llama-cpp').Token[] => {
    let prefix = prefixes.get(system);
    if (!prefix) {
      prefix = sharedPrefix(renderTokens(wrapper, model, system, 'A'), renderTokens(wrapper, model, system, 'B'));
      prefixes.set(system, prefix);
    }
    return prefix;
  };
  // The system turn is the same for every caption of a run: count its tokens once.
  const systemLengths = new Map<string, number>();
  const systemLength = (system: string): number => {
    let length = systemLengths.get(system);
    if (length === undefined) systemLengths.set(system, (length = model.tokenize(system).length));
    return length;
  };
  return {
    sha256,
    gpu: llama.gpu,
    contextSize: perSequence,
    get chatWrapper() {
      return chatWrapper;
    },
    async generate(system, user, signal) {
      const promptTokens = systemLength(system) + model.tokenize(user).length + 32; // + template tokens
      if (promptTokens + options.maxTokens > perSequence) throw new LlamaPromptTooLongError(promptTokens, perSequence - options.maxTokens);
      const sequence = await acquire();
      try {
        const session = new nlc.LlamaChatSession({ contextSequence: sequence, systemPrompt: system, autoDisposeSequence: false });
        chatWrapper = session.chatWrapper.wrapperName;
        try {
          await holdOnly(sequence, systemPrefix(session.chatWrapper, system));
          const result = await session.promptWithMeta(user, {
            grammar,
            temperature: options.temperature,
            seed: options.seed,
            maxTokens: options.maxTokens,
            signal,
          });
          return { text: result.responseText, stopReason: result.stopReason };
        } finally {
          session.dispose({ disposeSequence: false });
        }
      } finally {
        release(sequence);
      }
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
    },
  };
}
