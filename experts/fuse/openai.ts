/**
 * Client for OpenAI-compatible chat completions (`POST {baseUrl}/chat/completions`: OpenAI, Ollama,
 * vLLM, llama.cpp server, …) on Node's fetch. What it guarantees:
 * - at most `concurrency` requests in flight per client;
 * - each attempt is bounded by `timeoutMs` and by the caller's AbortSignal;
 * - only transient failures are retried (network errors, timeouts, 408, 429, 5xx), with exponential
 *   backoff and jitter, honouring Retry-After up to `maxRetryDelayMs`; anything else fails at once;
 * - the API key goes into the Authorization header only: never into an error message or a log line.
 */
import type { ChatMessage } from './serialize.ts';
import { ConcurrencyLimiter } from './limiter.ts';

export interface ChatClientOptions {
  baseUrl: string;
  model: string;
  /** Sent as `Authorization: Bearer …` when set; local servers usually need none. */
  apiKey?: string;
  timeoutMs: number;
  concurrency: number;
  maxRetries: number;
  retryBaseMs: number;
  maxRetryDelayMs: number;
  temperature: number;
  maxTokens: number;
  /** A JSON schema sent as response_format (json_schema mode); null = plain text. */
  responseSchema?: object | null;
  /** Injected for tests of the backoff arithmetic; the real ones by default. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** Retries ran out on a failure that may pass later: the caller may try the image again later. */
export class LlmTransientError extends Error {
  constructor(
    message: string,
    readonly attempts: number,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'LlmTransientError';
  }
}

/** The server refused the request (bad request, bad key, unknown model): retrying cannot help. */
export class LlmRequestError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
    this.name = 'LlmRequestError';
  }
}

export type BadResponseReason = 'empty' | 'cut_off' | 'not_text' | 'malformed';

/** The server answered, but with nothing usable as a caption. */
export class LlmBadResponseError extends Error {
  constructor(
    message: string,
    readonly reason: BadResponseReason,
  ) {
    super(message);
    this.name = 'LlmBadResponseError';
  }
}

export interface ChatResult {
  /** The reply's content, trimmed (JSON in schema mode, else cleaned to the caption). */
  text: string;
  attempts: number;
  /** Whether the request carried response_format (false after the server refused it). */
  structured: boolean;
}

export interface ChatClient {
  complete(messages: ChatMessage[], signal?: AbortSignal): Promise<ChatResult>;
}

const TRANSIENT_STATUS = new Set([408, 409, 425, 429]);
const REFUSED_SCHEMA = Symbol('refused response_format');

export function createChatClient(options: ChatClientOptions): ChatClient {
  const endpoint = options.baseUrl.replace(/\/+$/, '') + '/chat/completions';
  if (!/^https?:\/\//.test(endpoint)) throw new Error(`fuse.openai.baseUrl must be an http(s) URL, got ${JSON.stringify(options.baseUrl)}`);
  const limiter = new ConcurrencyLimiter(options.concurrency);
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const scrub = (text: string): string => (options.apiKey ? text.split(options.apiKey).join('***') : text);
  // Cleared for the client's lifetime the first time the server refuses response_format.
  let schema = options.responseSchema ?? null;

  async function attempt(messages: ChatMessage[], signal?: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey) headers.authorization = `Bearer ${options.apiKey}`;
    const timeout = AbortSignal.timeout(options.timeoutMs);
    return fetch(endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        model: options.model,
        messages,
        max_tokens: options.maxTokens,
        temperature: options.temperature,
        n: 1,
        stream: false,
        ...(schema ? { response_format: { type: 'json_schema', json_schema: { name: 'fused_caption', strict: true, schema } } } : {}),
      }),
      signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
    });
  }

  return {
    async complete(messages, signal) {
      let lastProblem = '';
      let lastStatus: number | undefined;
      for (let attemptNo = 0; attemptNo <= options.maxRetries; attemptNo++) {
        signal?.throwIfAborted();
        let retryAfterMs: number | null = null;
        const outcome = await limiter.run(async () => {
          let response: Response;
          try {
            response = await attempt(messages, signal);
          } catch (error) {
            if (signal?.aborted) throw signal.reason;
            const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
            lastProblem = timedOut ? `no reply within ${options.timeoutMs} ms` : `network error: ${describeCause(error)}`;
            lastStatus = undefined;
            return null;
          }
          if (response.ok) return response.text();
          const body = scrub((await response.text().catch(() => '')).slice(0, 300));
          if (schema && response.status === 400 && /response_format|json_schema|grammar|schema/i.test(body)) {
            schema = null; // this server does not do structured output: plain text from now on
            return REFUSED_SCHEMA;
          }
          if (response.status >= 500 || TRANSIENT_STATUS.has(response.status)) {
            lastProblem = `HTTP ${response.status}${body ? `: ${body}` : ''}`;
            lastStatus = response.status;
            retryAfterMs = parseRetryAfter(response.headers.get('retry-after'));
            return null;
          }
          throw new LlmRequestError(
            `${endpoint} refused the request with HTTP ${response.status}${hintFor(response.status)}${body ? `: ${body}` : ''}`,
            response.status,
          );
        });
        if (outcome === REFUSED_SCHEMA) {
          attemptNo--; // not a failure of the request: ask again at once, without response_format
          continue;
        }
        if (outcome !== null) {
          const structured = schema !== null;
          return { text: structured ? replyContent(outcome) : parseCompletion(outcome), attempts: attemptNo + 1, structured };
        }
        if (attemptNo === options.maxRetries) break;
        const exponential = Math.min(options.maxRetryDelayMs, options.retryBaseMs * 2 ** attemptNo);
        // Equal jitter: at least half the exponential delay, so retries spread out but still back off.
        const delay =
          retryAfterMs !== null ? Math.min(retryAfterMs, options.maxRetryDelayMs) : exponential / 2 + (random() * exponential) / 2;
        await sleep(delay, signal);
      }
      throw new LlmTransientError(
        `${endpoint} failed ${options.maxRetries + 1} time(s); last: ${lastProblem}`,
        options.maxRetries + 1,
        lastStatus,
      );
    },
  };
}

function hintFor(status: number): string {
  if (status === 401 || status === 403) return ' (check the API key named by fuse.openai.apiKeyEnv)';
  if (status === 404) return ' (check fuse.openai.baseUrl and fuse.openai.model)';
  return '';
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

/** Retry-After is either delta-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/**
 * The caption text of a chat completion body. Throws LlmBadResponseError when there is none: empty,
 * cut off by max_tokens (finish_reason "length": the sentence is unfinished), or not text.
 */
export function parseCompletion(body: string): string {
  const caption = cleanCaption(replyContent(body));
  if (!caption) throw new LlmBadResponseError('reply is empty', 'empty');
  return caption;
}

/** The content of a chat completion as the model wrote it (trimmed); same errors as parseCompletion. */
export function replyContent(body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new LlmBadResponseError(`reply is not JSON: ${JSON.stringify(body.slice(0, 80))}`, 'malformed');
  }
  const choice = (json as { choices?: unknown[] })?.choices?.[0] as
    { finish_reason?: unknown; message?: { content?: unknown } } | undefined;
  if (!choice || typeof choice !== 'object') throw new LlmBadResponseError('reply has no choices', 'malformed');
  if (choice.finish_reason === 'length') {
    throw new LlmBadResponseError('reply was cut off at max_tokens (finish_reason "length")', 'cut_off');
  }
  const content = choice.message?.content;
  let text: string;
  if (typeof content === 'string') text = content;
  else if (Array.isArray(content) && content.every((p) => p && typeof p === 'object' && typeof p.text === 'string')) {
    text = content.map((p: { text: string }) => p.text).join('');
  } else {
    throw new LlmBadResponseError(`reply content is not text (${content === null ? 'null' : typeof content})`, 'not_text');
  }
  if (!text.trim()) throw new LlmBadResponseError('reply is empty', 'empty');
  return text.trim();
}

/** Models like to add "Caption:" labels, wrapping quotes and a second paragraph; keep the caption. */
export function cleanCaption(text: string): string {
  const firstParagraph = text.trim().split(/\n\s*\n|\n/)[0] ?? '';
  let out = firstParagraph.replace(/^\s*(fused |detailed |enriched )?caption\s*:\s*/i, '').trim();
  if (out.length >= 2 && /^["'“]/.test(out) && /["'”]$/.test(out) && !/^["'“][^"'“”]*["'”]\s/.test(out)) {
    out = out.slice(1, -1).trim();
  }
  return out.replace(/\s+/g, ' ');
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
