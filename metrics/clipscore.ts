/**
 * CLIPScore and RefCLIPScore (Hessel et al., EMNLP 2021).
 *
 *   CLIP-S(c, v)       = w · max(cos(E_c, E_v), 0),  w = 2.5
 *   RefCLIP-S(c, R, v) = H-mean( CLIP-S(c, v), max(max_{r∈R} cos(E_c, E_r), 0) )
 *
 * Texts are encoded as "A photo depicts " + caption (references too), images as CLIP ViT-B/32 sees
 * them: shortest side resized to 224 with a bicubic kernel, centre-cropped to 224×224, normalised with
 * CLIP's mean and std. Corpus values are means over images. The FuseCap paper prints these ×100
 * (e.g. 78.5); here they are kept on the metric's own scale (0..2.5 for CLIP-S) and the report scales
 * them for display.
 *
 * No CLIP weights ship with any package reachable here: without a configured model the result is
 * `{ status: 'unavailable' }` — never a substitute score. The loading code takes a local folder
 * (transformers.js layout: config.json, tokenizer files, onnx/text_model*.onnx, onnx/vision_model*.onnx)
 * or a hub id.
 */
import sharp from 'sharp';
import { resolveTransformersModel } from '../lib/model-files.ts';

export const CLIP_SCORE_W = 2.5;
export const CLIP_SCORE_PREFIX = 'A photo depicts ';
export const CLIP_IMAGE_SIZE = 224;
const CLIP_CONTEXT = 77;
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];

export interface ClipScoreItem {
  imageId: string;
  imagePath: string;
  candidate: string;
  references?: readonly string[];
}

export interface ClipScoreValues {
  clipScore: number;
  refClipScore: number | null;
  perImage: { imageId: string; clipScore: number; refClipScore: number | null }[];
}

export type ClipScoreResult = ({ status: 'ok'; model: string } & ClipScoreValues) | { status: 'unavailable'; reason: string };

function l2normalize(v: ArrayLike<number>): Float64Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  const n = Math.sqrt(s);
  const out = new Float64Array(v.length);
  if (n === 0) return out; // a zero embedding has no direction: cosine 0 with anything
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`embedding sizes differ: ${a.length} vs ${b.length}`);
  const x = l2normalize(a);
  const y = l2normalize(b);
  let d = 0;
  for (let i = 0; i < x.length; i++) d += x[i] * y[i];
  return d;
}

/** Harmonic mean, 0 when either side is 0 (the limit, instead of 0/0). */
function harmonicMean(a: number, b: number): number {
  return a + b === 0 ? 0 : (2 * a * b) / (a + b);
}

/**
 * The formulas on precomputed embeddings (any scale; they are L2-normalised here).
 * references[i] may be empty or absent, in which case RefCLIP-S is null for every image.
 */
export function clipScoresFromEmbeddings(input: {
  imageIds: readonly string[];
  images: readonly ArrayLike<number>[];
  candidates: readonly ArrayLike<number>[];
  references?: readonly (readonly ArrayLike<number>[])[];
  w?: number;
}): ClipScoreValues {
  const w = input.w ?? CLIP_SCORE_W;
  const n = input.imageIds.length;
  if (input.images.length !== n || input.candidates.length !== n || (input.references && input.references.length !== n)) {
    throw new Error(`CLIPScore: ${n} image ids but ${input.images.length} image and ${input.candidates.length} candidate embeddings`);
  }
  const withRefs = Boolean(input.references) && input.references!.every((r) => r.length > 0);
  const perImage = input.imageIds.map((imageId, i) => {
    const clipScore = w * Math.max(cosine(input.images[i], input.candidates[i]), 0);
    let refClipScore: number | null = null;
    if (withRefs) {
      let best = -Infinity;
      for (const r of input.references![i]) best = Math.max(best, cosine(input.candidates[i], r));
      refClipScore = harmonicMean(clipScore, Math.max(best, 0));
    }
    return { imageId, clipScore, refClipScore };
  });
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  return {
    clipScore: mean(perImage.map((p) => p.clipScore)),
    refClipScore: withRefs ? mean(perImage.map((p) => p.refClipScore!)) : null,
    perImage,
  };
}

/** CLIP ViT-B/32 input: resize shortest side to 224 (bicubic), centre crop 224, CHW float normalised. */
export async function clipPixelValues(imagePath: string): Promise<Float32Array> {
  const size = CLIP_IMAGE_SIZE;
  const meta = await sharp(imagePath).rotate().metadata();
  // After .rotate() the upright size swaps for EXIF orientations 5–8.
  const swap = (meta.orientation ?? 1) >= 5;
  const w0 = swap ? meta.height! : meta.width!;
  const h0 = swap ? meta.width! : meta.height!;
  const scale = size / Math.min(w0, h0);
  const w1 = Math.max(size, Math.round(w0 * scale));
  const h1 = Math.max(size, Math.round(h0 * scale));
  const { data } = await sharp(imagePath)
    .rotate()
    .toColourspace('srgb')
    .flatten({ background: '#ffffff' })
    .resize(w1, h1, { kernel: 'cubic', fit: 'fill' })
    .extract({ left: Math.floor((w1 - size) / 2), top: Math.floor((h1 - size) / 2), width: size, height: size })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Float32Array(3 * size * size);
  for (let p = 0; p < size * size; p++) {
    for (let c = 0; c < 3; c++) out[c * size * size + p] = (data[p * 3 + c] / 255 - CLIP_MEAN[c]) / CLIP_STD[c];
  }
  return out;
}

/** Embeds texts as given (the caller adds the prefix) and images by path; vectors of the projection space. */
export interface ClipEncoder {
  model: string;
  embedTexts(texts: readonly string[]): Promise<Float32Array[]>;
  embedImages(paths: readonly string[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

/** Loads CLIP's text and vision towers (with projections) through transformers.js. */
export async function loadClipEncoder(model: string, options: { batchSize?: number } = {}): Promise<ClipEncoder> {
  const { AutoTokenizer, CLIPTextModelWithProjection, CLIPVisionModelWithProjection, Tensor, env } =
    await import('@huggingface/transformers');
  const where = resolveTransformersModel(model);
  if (where.local) {
    env.localModelPath = where.root!;
    env.allowLocalModels = true;
  }
  const batch = options.batchSize ?? 32;
  let tokenizer: Awaited<ReturnType<typeof AutoTokenizer.from_pretrained>>;
  let textModel: Awaited<ReturnType<typeof CLIPTextModelWithProjection.from_pretrained>>;
  let visionModel: Awaited<ReturnType<typeof CLIPVisionModelWithProjection.from_pretrained>>;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(where.id, { local_files_only: where.local });
    textModel = await CLIPTextModelWithProjection.from_pretrained(where.id, { local_files_only: where.local });
    visionModel = await CLIPVisionModelWithProjection.from_pretrained(where.id, { local_files_only: where.local });
  } catch (error) {
    throw new Error(`CLIP model "${model}" could not be loaded (config benchmark.clipModel): ${(error as Error).message}`, {
      cause: error,
    });
  }
  // CLIP's context is 77 tokens. A longer caption keeps its first 76 tokens and ends with the end-of-text
  // token, as clip.tokenize(truncate=True) and HF's tokenizer do; CLIP pools the text at that token, so
  // plain truncation (which drops it) would change the embedding. Padding uses the tokenizer's pad token.
  const eos = tokenizer.encode('').at(-1)!;
  const pad = (tokenizer as unknown as { pad_token_id?: number }).pad_token_id ?? eos;
  const encodeTexts = (batchTexts: readonly string[]) => {
    const ids = batchTexts.map((t) => {
      const e = tokenizer.encode(t);
      return e.length <= CLIP_CONTEXT ? e : [...e.slice(0, CLIP_CONTEXT - 1), eos];
    });
    const len = Math.max(...ids.map((e) => e.length));
    const inputIds = new BigInt64Array(ids.length * len).fill(BigInt(pad));
    const mask = new BigInt64Array(ids.length * len);
    ids.forEach((e, r) =>
      e.forEach((id, c) => {
        inputIds[r * len + c] = BigInt(id);
        mask[r * len + c] = 1n;
      }),
    );
    return {
      input_ids: new Tensor('int64', inputIds, [ids.length, len]),
      attention_mask: new Tensor('int64', mask, [ids.length, len]),
    };
  };
  const rows = (t: { dims: number[]; data: ArrayLike<number> }): Float32Array[] => {
    const [n, d] = t.dims;
    return Array.from({ length: n }, (_, i) => Float32Array.from(Array.prototype.slice.call(t.data, i * d, (i + 1) * d)));
  };
  return {
    model,
    async embedTexts(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += batch) {
        const { text_embeds } = await textModel(encodeTexts(texts.slice(i, i + batch)));
        out.push(...rows(text_embeds));
      }
      return out;
    },
    async embedImages(paths) {
      const out: Float32Array[] = [];
      const px = CLIP_IMAGE_SIZE * CLIP_IMAGE_SIZE * 3;
      for (let i = 0; i < paths.length; i += batch) {
        const chunk = paths.slice(i, i + batch);
        const data = new Float32Array(chunk.length * px);
        for (let j = 0; j < chunk.length; j++) data.set(await clipPixelValues(chunk[j]), j * px);
        const pixel_values = new Tensor('float32', data, [chunk.length, 3, CLIP_IMAGE_SIZE, CLIP_IMAGE_SIZE]);
        const { image_embeds } = await visionModel({ pixel_values });
        out.push(...rows(image_embeds));
      }
      return out;
    },
    async dispose() {
      await Promise.all([textModel.dispose(), visionModel.dispose()]);
    },
  };
}

/**
 * CLIPScore (and RefCLIPScore where every item has references) for a set of captioned images.
 * `model` unset → `{ status: 'unavailable' }`. A configured model that cannot be loaded throws.
 */
export async function computeClipScore(options: {
  model?: string;
  items: readonly ClipScoreItem[];
  encoder?: ClipEncoder;
}): Promise<ClipScoreResult> {
  if (!options.encoder && !options.model) {
    return { status: 'unavailable', reason: 'no CLIP model configured (benchmark.clipModel); CLIPScore needs CLIP ViT-B/32 weights' };
  }
  if (options.items.length === 0) throw new Error('CLIPScore: no items to score');
  const encoder = options.encoder ?? (await loadClipEncoder(options.model!));
  try {
    const images = await encoder.embedImages(options.items.map((it) => it.imagePath));
    const prefixed = (t: string) => CLIP_SCORE_PREFIX + t; // candidates and references alike
    const candidates = await encoder.embedTexts(options.items.map((it) => prefixed(it.candidate)));
    const withRefs = options.items.every((it) => it.references && it.references.length > 0);
    let references: Float32Array[][] | undefined;
    if (withRefs) {
      const flat = await encoder.embedTexts(options.items.flatMap((it) => it.references!.map(prefixed)));
      references = [];
      let k = 0;
      for (const it of options.items) {
        references.push(flat.slice(k, k + it.references!.length));
        k += it.references!.length;
      }
    }
    const values = clipScoresFromEmbeddings({ imageIds: options.items.map((it) => it.imageId), images, candidates, references });
    return { status: 'ok', model: encoder.model, ...values };
  } finally {
    if (!options.encoder) await encoder.dispose();
  }
}
