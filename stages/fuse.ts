/**
 * fuse: original caption + detect / attributes / ocr outputs → enriched caption (experts/fuse).
 *
 * Which caption: the first original caption of the image. The stage result is one row per image and
 * configuration, and FuseCap enriches one caption per image; the others stay available as originals.
 *
 * Errors: a transient model-server failure (retries used up) → TransientStageError, retried later by the
 * batch activity; a caption the model server rejects (HTTP 400/413/422) or an unusable reply under
 * onBadResponse "error" → StageInputError, recorded for that image; a wrong key, URL or model (401, 403,
 * 404) or a missing model folder → plain Error: it would fail every image, so it fails the batch loudly.
 */
import type { FusecapConfig } from '../config/schema.ts';
import type { FuseOutput } from '../experts/types.ts';
import { type Fuser, FuseBadResponseError, createFuser, describeFuser } from '../experts/fuse/index.ts';
import { LlmRequestError, LlmTransientError } from '../experts/fuse/openai.ts';
import { StageInputError, TransientStageError } from '../lib/errors.ts';
import type { StageImpl } from './types.ts';
import { upstreamOutput } from './upstream.ts';

/** HTTP statuses that mean "this request", not "this configuration", is unacceptable. */
const PER_IMAGE_REJECTIONS = new Set([400, 413, 422]);

let cached: { key: string; fuser: Fuser } | null = null;

/** One fuser per process and configuration: it holds the HTTP concurrency limit and any loaded model. */
function fuserFor(config: FusecapConfig): Fuser {
  const key = JSON.stringify(config.fuse);
  if (cached?.key !== key) {
    const previous = cached?.fuser;
    cached = { key, fuser: createFuser(config.fuse) };
    void previous?.dispose();
  }
  return cached.fuser;
}

export const fuseStage: StageImpl<FuseOutput> = {
  name: 'fuse',
  describe(config) {
    const f = config.fuse;
    const { backend, model, template, sha256 } = describeFuser(f);
    const modelParams =
      backend === 'llama'
        ? {
            // parallel, threads and gpu change speed, not captions: left out of the key.
            sha256,
            temperature: f.llama.temperature,
            seed: f.llama.seed,
            maxTokens: f.llama.maxTokens,
            contextSize: f.llama.contextSize,
            onBadResponse: f.llama.onBadResponse,
          }
        : backend === 'openai'
          ? {
              temperature: f.openai.temperature,
              maxTokens: f.openai.maxTokens,
              onBadResponse: f.openai.onBadResponse,
              responseFormat: f.openai.responseFormat,
            }
          : backend === 'text2text'
            ? { dtype: f.text2text.dtype, maxNewTokens: f.text2text.maxNewTokens, numBeams: f.text2text.numBeams }
            : {};
    return {
      model,
      params: {
        backend,
        template,
        ablation: { ...f.ablation },
        grounding: backend === 'grounded' ? null : { ...f.grounding, similarityModel: f.grounding.similarityModel ? 'custom' : 'default' },
        minTextConfidence: f.minTextConfidence,
        maxTextBlocks: f.maxTextBlocks,
        maxTextWords: f.maxTextWords,
        checkText: f.checkText,
        sureTextConfidence: f.sureTextConfidence,
        minColorSide: f.minColorSide,
        maxAddedObjects: f.maxAddedObjects,
        placeMentioned: f.placeMentioned,
        ...modelParams,
      },
    };
  },
  async load(config) {
    await fuserFor(config).load();
  },
  // One image at a time would leave the llama fuser's parallel sequences (or the server's slots) idle.
  concurrency(config) {
    const f = config.fuse;
    return f.backend === 'llama' ? f.llama.parallel : f.backend === 'openai' ? f.openai.concurrency : 1;
  },
  async run(input, config) {
    const original = input.captions.find((c) => typeof c === 'string' && c.trim().length > 0);
    if (original === undefined) throw new StageInputError('image has no original caption to fuse', 'no_caption');
    const { ablation } = config.fuse;
    // An output the ablation needs must be there and have its shape; an ablated one is ignored.
    const detect = ablation.objects ? upstreamOutput(input, 'fuse', 'detect') : null;
    const attributes = ablation.attributes ? upstreamOutput(input, 'fuse', 'attributes') : null;
    const ocr = ablation.ocr ? upstreamOutput(input, 'fuse', 'ocr') : null;
    try {
      return await fuserFor(config).fuse({ original, detect, attributes, ocr, signal: input.signal });
    } catch (error) {
      if (error instanceof LlmTransientError) throw new TransientStageError(error.message, { cause: error });
      if (error instanceof LlmRequestError && PER_IMAGE_REJECTIONS.has(error.status)) {
        throw new StageInputError(error.message, 'llm_rejected');
      }
      if (error instanceof FuseBadResponseError) throw new StageInputError(error.message, 'llm_bad_response');
      throw error;
    }
  },
  captionSource: 'fused',
  captionOf: (output) => output.caption,
  async dispose() {
    const fuser = cached?.fuser;
    cached = null;
    await fuser?.dispose();
  },
};
