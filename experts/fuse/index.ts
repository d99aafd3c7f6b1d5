/**
 * FuseCap's fuser: original caption + expert outputs → one enriched caption with its grounding report.
 * `createFuser(config.fuse)` picks the backend (grounded | openai | text2text); every caption, whatever
 * made it, is checked by the grounding check and the configured policy decides what is stored:
 *   keep     — the model's caption, even when poorly grounded (decision "kept");
 *   flag     — the model's caption, marked "flagged" below the threshold;
 *   fallback — below the threshold, the grounded fuser's caption (decision "fallback", the model's
 *              caption kept in `rejected`).
 */
import type { FusecapConfig } from '../../config/schema.ts';
import type { AttributesOutput, DetectOutput, FuseOutput, GroundingReport, ModelRef, OcrOutput } from '../types.ts';
import { type FuseFacts, buildFacts } from './facts.ts';
import { GROUNDED_FUSER, groundedFuse } from './grounded.ts';
import { checkGrounding, prepareSources } from './grounding.ts';
import { type ChatClient, LlmBadResponseError, cleanCaption, createChatClient } from './openai.ts';
import { CHAT_TEMPLATE, SEQ2SEQ_TEMPLATE, chatMessages, seq2seqPrompt, templateTag } from './serialize.ts';
import { type Text2TextGenerator, loadText2Text } from './text2text.ts';

export type FuseConfig = FusecapConfig['fuse'];
export const FUSE_BACKENDS = ['grounded', 'openai', 'text2text'] as const;

/** Version of the client code around a model fuser (prompt handling, cleaning); part of the model ref. */
const MODEL_FUSER_VERSION = '1';

export interface FuseRequest {
  original: string;
  detect?: DetectOutput | null;
  attributes?: AttributesOutput | null;
  ocr?: OcrOutput | null;
  signal?: AbortSignal;
}

export interface Fuser {
  readonly backend: FuseConfig['backend'];
  readonly model: ModelRef;
  /** Prompt template id@version, "none" for the grounded fuser. */
  readonly template: string;
  /** Loads a model backend ahead of the first caption (text2text); a no-op otherwise. */
  load(): Promise<void>;
  fuse(request: FuseRequest): Promise<FuseOutput>;
  dispose(): Promise<void>;
}

/** A model reply that could not be used, with fuse.openai.onBadResponse = "error": one image's error. */
export class FuseBadResponseError extends Error {
  constructor(
    message: string,
    readonly reason: string,
  ) {
    super(message);
    this.name = 'FuseBadResponseError';
  }
}

export function describeFuser(config: FuseConfig): { backend: FuseConfig['backend']; model: ModelRef; template: string } {
  switch (config.backend) {
    case 'grounded':
      return { backend: 'grounded', model: { ...GROUNDED_FUSER }, template: 'none' };
    case 'openai':
      return {
        backend: 'openai',
        model: { id: `openai-compatible/${config.openai.model}`, version: MODEL_FUSER_VERSION },
        template: templateTag(CHAT_TEMPLATE),
      };
    case 'text2text':
      return {
        backend: 'text2text',
        model: { id: `transformers.js/${config.text2text.model}`, version: MODEL_FUSER_VERSION },
        template: templateTag(SEQ2SEQ_TEMPLATE),
      };
    default:
      throw new Error(`unknown fuse backend ${JSON.stringify(config.backend)}; allowed: ${FUSE_BACKENDS.join(', ')}`);
  }
}

export interface FuserDeps {
  /** Where the API key is read from (the variable named by fuse.openai.apiKeyEnv); process.env by default. */
  env?: Record<string, string | undefined>;
}

export function createFuser(config: FuseConfig, deps: FuserDeps = {}): Fuser {
  const described = describeFuser(config);
  const env = deps.env ?? process.env;
  let client: ChatClient | null = null;
  let generator: Promise<Text2TextGenerator> | null = null;

  if (config.backend === 'openai') {
    const o = config.openai;
    client = createChatClient({ ...o, apiKey: env[o.apiKeyEnv] || undefined });
  }
  const loadGenerator = (): Promise<Text2TextGenerator> => {
    generator ??= loadText2Text(config.text2text);
    // A failed load is not cached: the next call tries again (the folder may have been copied meanwhile).
    generator.catch(() => (generator = null));
    return generator;
  };

  /** The model's caption, or the reason it gave none. */
  async function modelCaption(request: FuseRequest, facts: FuseFacts): Promise<{ caption: string; attempts?: number } | { bad: string }> {
    if (client) {
      try {
        const result = await client.complete(chatMessages(request.original, facts), request.signal);
        return { caption: result.text, attempts: result.attempts };
      } catch (error) {
        if (error instanceof LlmBadResponseError) return { bad: error.message };
        throw error;
      }
    }
    const gen = await loadGenerator();
    const caption = cleanCaption(await gen.generate(seq2seqPrompt(request.original, facts)));
    return caption ? { caption } : { bad: 'model generated an empty caption' };
  }

  return {
    ...described,
    async load() {
      if (config.backend === 'text2text') await loadGenerator();
    },
    async fuse(request) {
      if (typeof request.original !== 'string' || !request.original.trim()) {
        throw new TypeError('fuse: the original caption must be a non-empty string');
      }
      const facts = buildFacts(request, config.ablation, {
        minTextConfidence: config.minTextConfidence,
        maxTextBlocks: config.maxTextBlocks,
        maxTextWords: config.maxTextWords,
        checkText: config.checkText,
      });
      const sources = prepareSources({ original: request.original, facts });
      const grounded = (): { caption: string; grounding: GroundingReport } => {
        const caption = groundedFuse(request.original, facts, { maxAddedGroups: config.maxAddedObjects });
        return { caption, grounding: checkGrounding(caption, sources) };
      };
      const base = {
        ablation: { ...config.ablation },
        ...(facts.droppedTexts.length > 0 ? { droppedTexts: facts.droppedTexts } : {}),
      };

      if (config.backend === 'grounded') {
        return { ...base, ...described, ...grounded(), decision: 'kept' };
      }
      const fallback = (reason: string, rejected?: FuseOutput['rejected']): FuseOutput => ({
        ...base,
        backend: 'grounded',
        model: { ...GROUNDED_FUSER },
        template: 'none',
        ...grounded(),
        decision: 'fallback',
        fallbackFrom: `${described.backend}:${described.model.id}`,
        fallbackReason: reason,
        ...(rejected ? { rejected } : {}),
      });

      const result = await modelCaption(request, facts);
      if ('bad' in result) {
        if (config.backend === 'openai' && config.openai.onBadResponse === 'error') {
          throw new FuseBadResponseError(`${described.model.id}: ${result.bad}`, result.bad);
        }
        return fallback(result.bad);
      }
      const grounding = checkGrounding(result.caption, sources);
      const attempts = result.attempts !== undefined ? { attempts: result.attempts } : {};
      if (grounding.score >= config.grounding.threshold || config.grounding.policy === 'keep') {
        return { ...base, ...described, caption: result.caption, grounding, decision: 'kept', ...attempts };
      }
      if (config.grounding.policy === 'flag') {
        return { ...base, ...described, caption: result.caption, grounding, decision: 'flagged', ...attempts };
      }
      return {
        ...fallback(`ungrounded (score ${grounding.score.toFixed(2)} < ${config.grounding.threshold})`, {
          caption: result.caption,
          grounding,
        }),
        ...attempts,
      };
    },
    async dispose() {
      const pending = generator;
      generator = null;
      if (pending) await (await pending.catch(() => null))?.dispose();
    },
  };
}
