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
import { basename } from 'node:path';
import { checkReply } from './claims.ts';
import { type FuseFacts, buildFacts } from './facts.ts';
import { GROUNDED_FUSER, groundedFuse } from './grounded.ts';
import { checkGrounding, prepareSources } from './grounding.ts';
import { type LlamaEngine, LlamaPromptTooLongError, loadLlama, modelSha256, resolveLlamaModel } from './llama.ts';
import { type ChatClient, LlmBadResponseError, cleanCaption, createChatClient } from './openai.ts';
import { type FusedReply, REPLY_JSON_SCHEMA, ReplySchemaError, parseReply } from './reply.ts';
import {
  CHAT_TEMPLATE_LLM,
  SEQ2SEQ_TEMPLATE,
  chatMessagesLlm,
  factsPromptLlm,
  seq2seqPrompt,
  systemPromptLlm,
  templateTag,
} from './serialize.ts';
import { type Embedder, loadEmbedder } from './similarity.ts';
import { type Text2TextGenerator, loadText2Text } from './text2text.ts';

export type FuseConfig = FusecapConfig['fuse'];
export const FUSE_BACKENDS = ['grounded', 'llama', 'openai', 'text2text'] as const;

/**
 * Version of the client code around a model fuser (prompt handling, reply parsing, grounding of the
 * claims); part of the model ref. 2: prompt v2, JSON replies, claims checked with the similarity model.
 * 3: text lines of function words only ("the") are no longer among the facts (facts.ts). 4: nor lines
 * of loose single characters ("9 3"); more bird names and compound nouns in the lexicon. 5: people's
 * roles ("soldier", "dancer") and car types ("convertible", "jeep") in the lexicon; a sign's copy cut
 * off mid-word ("COMP" beside "COMPUTER") is not among the facts, and two words run together
 * ("Freephone") read as text. 6: a line OCR read surely (fuse.sureTextConfidence) skips the word check,
 * the one-name exception is gone, and stacked lines of different letter sizes are separate texts. 7: a
 * line of a sign that is not stated (a misread) splits the sign into separate texts.
 */
const MODEL_FUSER_VERSION = '7';

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

export function describeFuser(config: FuseConfig): { backend: FuseConfig['backend']; model: ModelRef; template: string; sha256?: string } {
  switch (config.backend) {
    case 'grounded':
      return { backend: 'grounded', model: { ...GROUNDED_FUSER }, template: 'none' };
    case 'llama': {
      // The file's hash, not its name, identifies the weights: a re-quantised file under the same name
      // re-enriches; the same file moved elsewhere does not.
      const { path } = resolveLlamaModel(config.llama);
      const sha256 = modelSha256(path);
      return {
        backend: 'llama',
        model: { id: `llama.cpp/${basename(path).replace(/\.gguf$/i, '')}`, version: `${MODEL_FUSER_VERSION}+${sha256.slice(0, 16)}` },
        template: templateTag(CHAT_TEMPLATE_LLM),
        sha256,
      };
    }
    case 'openai':
      return {
        backend: 'openai',
        model: { id: `openai-compatible/${config.openai.model}`, version: MODEL_FUSER_VERSION },
        template: templateTag(CHAT_TEMPLATE_LLM),
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

type ModelCaption = { caption: string; reply?: FusedReply; attempts?: number } | { bad: string };

export function createFuser(config: FuseConfig, deps: FuserDeps = {}): Fuser {
  const described = describeFuser(config);
  const { sha256: _sha, ...publicDescription } = described;
  const env = deps.env ?? process.env;
  let client: ChatClient | null = null;
  let generator: Promise<Text2TextGenerator> | null = null;
  let engine: Promise<LlamaEngine> | null = null;
  let embedder: Promise<Embedder | null> | null = null;

  if (config.backend === 'openai') {
    const o = config.openai;
    client = createChatClient({
      ...o,
      apiKey: env[o.apiKeyEnv] || undefined,
      responseSchema: o.responseFormat === 'json_schema' ? REPLY_JSON_SCHEMA : null,
    });
  }
  const loadEngine = (): Promise<LlamaEngine> => {
    engine ??= loadLlama(config.llama);
    engine.catch(() => (engine = null));
    return engine;
  };
  // The similarity model is optional: without it, claims the lexicon cannot read count as ungrounded.
  const loadSimilarity = (): Promise<Embedder | null> =>
    (embedder ??= loadEmbedder(config.grounding.similarityModel).catch((error: Error) => {
      console.warn(`fuse: similarity model unavailable (${error.message}); unreadable claims count as ungrounded`);
      return null;
    }));
  const loadGenerator = (): Promise<Text2TextGenerator> => {
    generator ??= loadText2Text(config.text2text);
    // A failed load is not cached: the next call tries again (the folder may have been copied meanwhile).
    generator.catch(() => (generator = null));
    return generator;
  };

  /** The model's caption, or the reason it gave none. */
  async function modelCaption(request: FuseRequest, facts: FuseFacts): Promise<ModelCaption> {
    if (config.backend === 'llama') {
      const llama = await loadEngine();
      let generation;
      try {
        generation = await llama.generate(systemPromptLlm(), factsPromptLlm(request.original, facts), request.signal);
      } catch (error) {
        if (error instanceof LlamaPromptTooLongError) return { bad: error.message };
        throw error;
      }
      if (generation.stopReason === 'maxTokens') return { bad: `reply was cut off at maxTokens (${config.llama.maxTokens})` };
      return structured(generation.text);
    }
    if (client) {
      try {
        const result = await client.complete(chatMessagesLlm(request.original, facts), request.signal);
        const attempts = { attempts: result.attempts };
        // Plain-text mode, or a server that ignores response_format and answers prose: the reply is the caption.
        if (!result.structured) return { caption: result.text, ...attempts };
        if (!/^(\{|```)/.test(result.text)) {
          const caption = cleanCaption(result.text);
          return caption ? { caption, ...attempts } : { bad: 'reply is empty' };
        }
        return { ...structured(result.text), ...attempts };
      } catch (error) {
        if (error instanceof LlmBadResponseError) return { bad: error.message };
        throw error;
      }
    }
    const gen = await loadGenerator();
    const caption = cleanCaption(await gen.generate(seq2seqPrompt(request.original, facts)));
    return caption ? { caption } : { bad: 'model generated an empty caption' };
  }

  function structured(text: string): ModelCaption {
    try {
      const reply = parseReply(text);
      return { caption: reply.caption, reply };
    } catch (error) {
      if (error instanceof ReplySchemaError) return { bad: error.message };
      throw error;
    }
  }

  return {
    ...publicDescription,
    async load() {
      if (config.backend === 'text2text') await loadGenerator();
      if (config.backend === 'llama') await Promise.all([loadEngine(), loadSimilarity()]);
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
        sureTextConfidence: config.sureTextConfidence,
        minColorSide: config.minColorSide,
      });
      const sources = prepareSources({ original: request.original, facts });
      const grounded = (): { caption: string; grounding: GroundingReport } => {
        const caption = groundedFuse(request.original, facts, {
          maxAddedGroups: config.maxAddedObjects,
          placeMentioned: config.placeMentioned,
        });
        return { caption, grounding: checkGrounding(caption, sources) };
      };
      const base = {
        ablation: { ...config.ablation },
        ...(facts.droppedTexts.length > 0 ? { droppedTexts: facts.droppedTexts } : {}),
        ...(facts.droppedColors.length > 0 ? { droppedColors: facts.droppedColors } : {}),
      };

      if (config.backend === 'grounded') {
        return { ...base, ...publicDescription, ...grounded(), decision: 'kept' };
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
        const onBad = config.backend === 'llama' ? config.llama.onBadResponse : config.openai.onBadResponse;
        if ((config.backend === 'openai' || config.backend === 'llama') && onBad === 'error') {
          throw new FuseBadResponseError(`${described.model.id}: ${result.bad}`, result.bad);
        }
        return fallback(result.bad);
      }
      let grounding: GroundingReport;
      const extra: Partial<FuseOutput> = result.attempts !== undefined ? { attempts: result.attempts } : {};
      if (result.reply) {
        const checked = await checkReply(result.reply, sources, request.original, await loadSimilarity(), config.grounding.similarity);
        grounding = checked.report;
        const { caption: _caption, ...claims } = result.reply;
        Object.assign(extra, { claims, semantic: checked.semantic });
      } else {
        grounding = checkGrounding(result.caption, sources);
      }
      const attempts = { ...extra, groundedCaption: grounded().caption };
      if (grounding.score >= config.grounding.threshold || config.grounding.policy === 'keep') {
        return { ...base, ...publicDescription, caption: result.caption, grounding, decision: 'kept', ...attempts };
      }
      if (config.grounding.policy === 'flag') {
        return { ...base, ...publicDescription, caption: result.caption, grounding, decision: 'flagged', ...attempts };
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
      const pendingEngine = engine;
      const pendingEmbedder = embedder;
      generator = engine = embedder = null;
      if (pending) await (await pending.catch(() => null))?.dispose();
      if (pendingEngine) await (await pendingEngine.catch(() => null))?.dispose();
      if (pendingEmbedder) await (await pendingEmbedder)?.dispose();
    },
  };
}
