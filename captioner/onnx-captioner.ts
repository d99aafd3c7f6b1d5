/**
 * The FuseCap BLIP captioner in Node: an export folder written by `python -m fusecap_trainer export`
 * (vision_encoder.onnx, text_decoder.onnx, tokenizer.json, export.json) run by onnxruntime-node.
 *
 * caption(images) pre-processes exactly like the trainer (preprocess.ts), encodes the batch once, then
 * decodes (decode.ts) calling the decoder on every live sequence of every image per step — through the
 * KV-cached decoder (kv-cache.ts) when the export has one, else re-running the whole prefix. The prompt
 * ("a picture of " by default, the released FuseCap captioner's) is fed to the decoder and stripped from
 * the output, as BLIP does.
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelRef } from '../experts/types.ts';
import type { DecodedImage } from '../lib/image.ts';
import { beamSearch, greedy, type NextLogits } from './decode.ts';
import { cachedNextLogits, type KvCacheLayout } from './kv-cache.ts';
import { toPixelValues } from './preprocess.ts';
import { WordPieceTokenizer } from './wordpiece.ts';

export interface ExportMeta {
  format: number;
  preset: string | null;
  step: number | null;
  image_size: number;
  image_mean: number[];
  image_std: number[];
  prompt: string;
  special_tokens: { pad: number; unk: number; cls: number; sep: number; bos: number; enc: number };
  vocab_size: number;
  max_positions: number;
  opset: number;
  files: { vision: string; decoder: string; tokenizer: string; cross_kv?: string; decoder_step?: string };
  /** Present when the export has the KV-cached decoder (decoder_cross_kv.onnx + decoder_step.onnx). */
  kv_cache?: KvCacheLayout;
  source_checkpoint: string;
  source_checkpoint_sha256: string;
  sha256: string;
}

export interface CaptionOptions {
  /** 1 = greedy. */
  beams?: number;
  /** Most tokens generated after the prompt. */
  maxLength?: number;
  prompt?: string;
}

export interface CaptionResult {
  caption: string;
  tokens: number[];
}

export interface OnnxCaptioner {
  model: ModelRef;
  meta: ExportMeta;
  tokenizer: WordPieceTokenizer;
  caption(images: DecodedImage[], options?: CaptionOptions): Promise<string[]>;
  /** Captions with their token ids (parity checks, benchmarks). */
  captionWithTokens(images: DecodedImage[], options?: CaptionOptions): Promise<CaptionResult[]>;
  /** Captions from already pre-processed pixels [count, 3, S, S] (see pixelValues). */
  captionPixels(pixels: Float32Array, count: number, options?: CaptionOptions): Promise<CaptionResult[]>;
  /** Pre-processed pixels [N, 3, S, S], as fed to the vision encoder. */
  pixelValues(images: DecodedImage[]): Float32Array;
  dispose(): Promise<void>;
}

export interface OnnxCaptionerOptions {
  exportDir: string;
  /** Model id suffix, e.g. the checkpoint id; defaults to the export folder's name. */
  name?: string;
  /** onnxruntime intra-op threads. */
  threads?: number;
  /** Images encoded and decoded together. */
  batchSize?: number;
  /** Use the export's KV-cached decoder when it has one (default); false re-runs the full prefix each step. */
  kvCache?: boolean;
}

export const CAPTIONER_CODE_VERSION = 'decode.1';

export class CaptionerModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CaptionerModelError';
  }
}

export async function readExportMeta(exportDir: string): Promise<ExportMeta> {
  const dir = path.resolve(exportDir);
  let meta: ExportMeta;
  try {
    meta = JSON.parse(await readFile(path.join(dir, 'export.json'), 'utf8')) as ExportMeta;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CaptionerModelError(
      code === 'ENOENT'
        ? `caption export ${dir} has no export.json (config caption.exportDir; write one with \`python -m fusecap_trainer export\`)`
        : `caption export ${dir}: export.json is unreadable: ${(error as Error).message}`,
    );
  }
  if (meta.format !== 1)
    throw new CaptionerModelError(`caption export ${dir}: export format ${meta.format} is not supported (supported: 1)`);
  for (const file of Object.values(meta.files)) {
    await access(path.join(dir, file)).catch(() => {
      throw new CaptionerModelError(`caption export ${dir} is incomplete: ${file} is missing`);
    });
  }
  return meta;
}

export async function createOnnxCaptioner(options: OnnxCaptionerOptions): Promise<OnnxCaptioner> {
  const dir = path.resolve(options.exportDir);
  const meta = await readExportMeta(dir);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.threads ?? 2,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  };
  let vision: ort.InferenceSession;
  let decoder: ort.InferenceSession;
  let cached: { cross: ort.InferenceSession; step: ort.InferenceSession; layout: KvCacheLayout } | null = null;
  try {
    vision = await ort.InferenceSession.create(path.join(dir, meta.files.vision), sessionOptions);
    decoder = await ort.InferenceSession.create(path.join(dir, meta.files.decoder), sessionOptions);
    if ((options.kvCache ?? true) && meta.kv_cache && meta.files.cross_kv && meta.files.decoder_step) {
      cached = {
        cross: await ort.InferenceSession.create(path.join(dir, meta.files.cross_kv), sessionOptions),
        step: await ort.InferenceSession.create(path.join(dir, meta.files.decoder_step), sessionOptions),
        layout: meta.kv_cache,
      };
    }
  } catch (error) {
    throw new CaptionerModelError(`caption export ${dir}: cannot load the ONNX models: ${(error as Error).message}`);
  }
  const tokenizer = await WordPieceTokenizer.fromFile(path.join(dir, meta.files.tokenizer));
  const size = meta.image_size;
  const norm = { size, mean: meta.image_mean, std: meta.image_std };
  const batchSize = Math.max(1, options.batchSize ?? 16);

  const pixelValues = (images: DecodedImage[]): Float32Array => {
    const per = 3 * size * size;
    const pixels = new Float32Array(images.length * per);
    images.forEach((image, i) => toPixelValues(image, norm, pixels, i * per));
    return pixels;
  };

  const captionPixelBatch = async (pixels: Float32Array, count: number, o: Required<CaptionOptions>): Promise<CaptionResult[]> => {
    const encoded = await vision.run({ pixel_values: new ort.Tensor('float32', pixels, [count, 3, size, size]) });
    const embeds = encoded.image_embeds;
    const [, patches, hidden] = embeds.dims as number[];
    const embedData = embeds.data as Float32Array;
    const perImage = patches * hidden;
    const uncached: NextLogits = async (ids, rows) => {
      const r = ids.length;
      const t = ids[0].length;
      const inputIds = new BigInt64Array(r * t);
      ids.forEach((seq, i) => seq.forEach((id, j) => (inputIds[i * t + j] = BigInt(id))));
      const states = new Float32Array(r * perImage);
      rows.forEach((img, i) => states.set(embedData.subarray(img * perImage, (img + 1) * perImage), i * perImage));
      const out = await decoder.run({
        input_ids: new ort.Tensor('int64', inputIds, [r, t]),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(r * t).fill(1n), [r, t]),
        encoder_hidden_states: new ort.Tensor('float32', states, [r, patches, hidden]),
      });
      return { data: out.logits.data as Float32Array, vocab: out.logits.dims[1] as number };
    };
    const next = cached ? await cachedNextLogits(cached.cross, cached.step, cached.layout, embeds) : uncached;
    const prompt = [meta.special_tokens.bos, ...tokenizer.encode(o.prompt)];
    const maxNew = Math.min(o.maxLength, meta.max_positions - prompt.length);
    const decodeOptions = { prompt, eos: meta.special_tokens.sep, maxNew };
    const tokens =
      o.beams === 1 ? await greedy(next, count, decodeOptions) : await beamSearch(next, count, { ...decodeOptions, beams: o.beams });
    return tokens.map((t) => ({ tokens: t, caption: tokenizer.decode(t) }));
  };

  const resolve = (options: CaptionOptions): Required<CaptionOptions> => {
    const o: Required<CaptionOptions> = {
      beams: options.beams ?? 3,
      maxLength: options.maxLength ?? 60,
      prompt: options.prompt ?? 'a picture of ',
    };
    if (!Number.isInteger(o.beams) || o.beams < 1) throw new RangeError(`beams must be an integer ≥ 1, got ${o.beams}`);
    if (!Number.isInteger(o.maxLength) || o.maxLength < 1) throw new RangeError(`maxLength must be an integer ≥ 1, got ${o.maxLength}`);
    return o;
  };

  const captionPixels = async (pixels: Float32Array, count: number, options: CaptionOptions = {}): Promise<CaptionResult[]> => {
    const o = resolve(options);
    const per = 3 * size * size;
    if (pixels.length !== count * per) throw new RangeError(`expected ${count} × 3 × ${size} × ${size} floats, got ${pixels.length}`);
    const results: CaptionResult[] = [];
    for (let start = 0; start < count; start += batchSize) {
      const n = Math.min(batchSize, count - start);
      results.push(...(await captionPixelBatch(pixels.subarray(start * per, (start + n) * per), n, o)));
    }
    return results;
  };

  const captionWithTokens = async (images: DecodedImage[], options: CaptionOptions = {}): Promise<CaptionResult[]> => {
    const o = resolve(options);
    const results: CaptionResult[] = [];
    for (let start = 0; start < images.length; start += batchSize) {
      const chunk = images.slice(start, start + batchSize);
      results.push(...(await captionPixelBatch(pixelValues(chunk), chunk.length, o)));
    }
    return results;
  };

  return {
    model: { id: `fusecap-blip/${options.name ?? path.basename(dir)}`, version: `${meta.sha256}+${CAPTIONER_CODE_VERSION}` },
    meta,
    tokenizer,
    captionWithTokens,
    captionPixels,
    async caption(images, options) {
      return (await captionWithTokens(images, options)).map((r) => r.caption);
    },
    pixelValues,
    async dispose() {
      await vision.release();
      await decoder.release();
      await cached?.cross.release();
      await cached?.step.release();
    },
  };
}
