/**
 * The BERT WordPiece tokenizer of an export's tokenizer.json (HF `tokenizers` format), enough of it for
 * captioning: encode a prompt, decode generated ids. Mirrors `tokenizers`' BertNormalizer,
 * BertPreTokenizer, WordPiece model and WordPiece decoder (with its clean-up) so that ids and text equal
 * the trainer's (trainer/fusecap_trainer/tokenizer.py); test/captioner/wordpiece.test.ts checks that.
 */
import { readFile } from 'node:fs/promises';

interface TokenizerJson {
  added_tokens?: { id: number; content: string; special: boolean }[];
  normalizer?: {
    type: string;
    lowercase?: boolean;
    strip_accents?: boolean | null;
    clean_text?: boolean;
    handle_chinese_chars?: boolean;
  } | null;
  pre_tokenizer?: { type: string } | null;
  model: {
    type: string;
    vocab: Record<string, number>;
    unk_token: string;
    continuing_subword_prefix?: string;
    max_input_chars_per_word?: number;
  };
  decoder?: { type: string; prefix?: string; cleanup?: boolean } | null;
}

export class WordPieceTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly idToToken: Map<number, string>;
  private readonly special: Set<number>;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxChars: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly cleanup: boolean;

  constructor(json: TokenizerJson) {
    if (json.model?.type !== 'WordPiece') throw new Error(`tokenizer.json: expected a WordPiece model, got ${json.model?.type}`);
    if (json.normalizer && json.normalizer.type !== 'BertNormalizer')
      throw new Error(`tokenizer.json: unsupported normalizer ${json.normalizer.type}; supported: BertNormalizer`);
    if (json.pre_tokenizer && json.pre_tokenizer.type !== 'BertPreTokenizer')
      throw new Error(`tokenizer.json: unsupported pre-tokenizer ${json.pre_tokenizer.type}; supported: BertPreTokenizer`);
    this.vocab = new Map(Object.entries(json.model.vocab));
    for (const t of json.added_tokens ?? []) this.vocab.set(t.content, t.id);
    this.idToToken = new Map([...this.vocab].map(([token, id]) => [id, token]));
    this.special = new Set((json.added_tokens ?? []).filter((t) => t.special).map((t) => t.id));
    const unk = this.vocab.get(json.model.unk_token);
    if (unk === undefined) throw new Error(`tokenizer.json: unknown-token ${json.model.unk_token} is not in the vocabulary`);
    this.unkId = unk;
    this.prefix = json.model.continuing_subword_prefix ?? '##';
    this.maxChars = json.model.max_input_chars_per_word ?? 100;
    this.lowercase = json.normalizer?.lowercase ?? true;
    // BertNormalizer: strip_accents null means "follow lowercase".
    this.stripAccents = json.normalizer?.strip_accents ?? this.lowercase;
    this.cleanup = json.decoder?.cleanup ?? true;
  }

  static async fromFile(file: string): Promise<WordPieceTokenizer> {
    return new WordPieceTokenizer(JSON.parse(await readFile(file, 'utf8')) as TokenizerJson);
  }

  get vocabSize(): number {
    return this.idToToken.size;
  }

  tokenId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  /** Wordpiece ids of `text`, no special tokens added. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const word of preTokenize(this.normalize(text))) ids.push(...this.wordPiece(word));
    return ids;
  }

  /** Text of `ids` with special tokens dropped, joined like tokenizers' WordPiece decoder. */
  decode(ids: readonly number[]): string {
    const tokens = ids.filter((id) => !this.special.has(id)).map((id) => this.idToToken.get(id) ?? '');
    return tokens
      .map((token, i) => {
        let piece = token;
        if (i !== 0) piece = piece.startsWith(this.prefix) ? piece.slice(this.prefix.length) : ` ${piece}`;
        return this.cleanup ? cleanUp(piece) : piece;
      })
      .join('');
  }

  private normalize(text: string): string {
    let out = '';
    for (const ch of text) {
      const code = ch.codePointAt(0)!;
      if (code === 0 || code === 0xfffd || isControl(ch)) continue;
      if (/\s/u.test(ch)) out += ' ';
      else if (isChinese(code)) out += ` ${ch} `;
      else out += ch;
    }
    if (this.stripAccents) out = out.normalize('NFD').replace(/\p{Mn}/gu, '');
    return this.lowercase ? out.toLowerCase() : out;
  }

  private wordPiece(word: string): number[] {
    const chars = [...word];
    if (chars.length > this.maxChars) return [this.unkId];
    const ids: number[] = [];
    let start = 0;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? this.prefix : '') + chars.slice(start, end).join('');
        found = this.vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.unkId];
      ids.push(found);
      start = end;
    }
    return ids;
  }
}

function isControl(ch: string): boolean {
  if (ch === '\t' || ch === '\n' || ch === '\r') return false;
  return /[\p{Cc}\p{Cf}]/u.test(ch);
}

function isChinese(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0x20000 && code <= 0x2a6df) ||
    (code >= 0x2a700 && code <= 0x2b73f) ||
    (code >= 0x2b740 && code <= 0x2b81f) ||
    (code >= 0x2b820 && code <= 0x2ceaf) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0x2f800 && code <= 0x2fa1f)
  );
}

/** BertPreTokenizer: split on whitespace (dropped) and around every punctuation character (kept). */
function preTokenize(text: string): string[] {
  const words: string[] = [];
  let current = '';
  for (const ch of text) {
    if (/\s/u.test(ch)) {
      if (current) words.push(current);
      current = '';
    } else if (isPunctuation(ch)) {
      if (current) words.push(current);
      words.push(ch);
      current = '';
    } else current += ch;
  }
  if (current) words.push(current);
  return words;
}

function isPunctuation(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) return true;
  return /\p{P}/u.test(ch);
}

function cleanUp(s: string): string {
  return s
    .replaceAll(' .', '.')
    .replaceAll(' ?', '?')
    .replaceAll(' !', '!')
    .replaceAll(' ,', ',')
    .replaceAll(" ' ", "'")
    .replaceAll(" n't", "n't")
    .replaceAll(" 'm", "'m")
    .replaceAll(' do not', " don't")
    .replaceAll(" 's", "'s")
    .replaceAll(" 've", "'ve")
    .replaceAll(" 're", "'re");
}
