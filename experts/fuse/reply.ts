/**
 * The structured reply every LLM fuser is asked for: the caption plus the claims it makes, so the
 * grounding check reads the model's own list of what it added instead of guessing from prose.
 *
 *   {"caption": "...", "objects": ["dog", "bicycle"], "attributes": ["white dog"], "texts": ["STOP"]}
 *
 * The same JSON schema constrains node-llama-cpp's sampler (a grammar: the model cannot produce
 * anything else) and goes to OpenAI-compatible servers as `response_format` (llama-server enforces it
 * with a grammar too; other servers may only try). parseReply() checks the result either way.
 */
import { z } from 'zod';

export interface FusedReply {
  caption: string;
  objects: string[];
  attributes: string[];
  texts: string[];
}

/** Bounds keep a grammar-constrained model from rambling into the token limit inside an array. */
export const REPLY_LIMITS = { captionChars: 400, items: 8, itemChars: 80 } as const;

export const REPLY_JSON_SCHEMA = {
  type: 'object',
  properties: {
    caption: { type: 'string', minLength: 1, maxLength: REPLY_LIMITS.captionChars },
    objects: { type: 'array', items: { type: 'string', maxLength: REPLY_LIMITS.itemChars }, maxItems: REPLY_LIMITS.items },
    attributes: { type: 'array', items: { type: 'string', maxLength: REPLY_LIMITS.itemChars }, maxItems: REPLY_LIMITS.items },
    texts: { type: 'array', items: { type: 'string', maxLength: REPLY_LIMITS.itemChars }, maxItems: REPLY_LIMITS.items },
  },
  required: ['caption', 'objects', 'attributes', 'texts'],
  additionalProperties: false,
} as const;

const replySchema = z.object({
  caption: z.string().trim().min(1).max(REPLY_LIMITS.captionChars),
  objects: z.array(z.string()).max(REPLY_LIMITS.items),
  attributes: z.array(z.string()).max(REPLY_LIMITS.items),
  texts: z.array(z.string()).max(REPLY_LIMITS.items),
});

/** A reply that is not the agreed JSON object: the caller falls back (or records an error). */
export class ReplySchemaError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplySchemaError';
  }
}

/**
 * Parses a model's reply. Tolerates what servers without schema support add around the object (a
 * ```json fence, a sentence before it); anything that is not the object with the four fields throws.
 */
export function parseReply(text: string): FusedReply {
  const trimmed = text.trim();
  const start = trimmed.indexOf('{');
  const end = trimmed.lastIndexOf('}');
  if (start < 0 || end <= start) throw new ReplySchemaError(`reply is not a JSON object: ${JSON.stringify(trimmed.slice(0, 80))}`);
  let json: unknown;
  try {
    json = JSON.parse(trimmed.slice(start, end + 1));
  } catch (error) {
    throw new ReplySchemaError(`reply is not valid JSON (${(error as Error).message}): ${JSON.stringify(trimmed.slice(0, 80))}`);
  }
  const parsed = replySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ReplySchemaError(`reply breaks the schema at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  const clean = (items: string[]): string[] => [...new Set(items.map((s) => s.trim().replace(/\s+/g, ' ')).filter(Boolean))];
  return {
    caption: parsed.data.caption.replace(/\s+/g, ' '),
    objects: clean(parsed.data.objects),
    attributes: clean(parsed.data.attributes),
    texts: clean(parsed.data.texts),
  };
}
