/**
 * The COCO caption toolkit's tokenization, in TypeScript.
 *
 * pycocoevalcap writes every caption on its own line and runs Stanford CoreNLP 3.4.1's PTBTokenizer with
 * `-preserveLines -lowerCase`, then drops tokens that are in a fixed punctuation list and joins the rest
 * with single spaces. Every COCO metric is computed on that joined string, so parity with the toolkit
 * starts here. This is not the full JFlex grammar of PTBLexer: it reproduces the jar's behaviour for the
 * kinds of text captions contain (words, contractions, hyphens, numbers, quotes, brackets, currency,
 * non-ASCII letters, emoji), and test/metrics/coco/tokenizer.test.ts checks it against the jar itself
 * (hand-picked inputs and 3,000 seeded random ones: identical).
 *
 * The jar reads the whole file, so its lookaheads see the next caption (cocoTokenizeSequence gives each
 * line the lines after it). Known gaps, absent from captions: pieces glued without spaces that hit
 * corners of the JFlex grammar ("isn'tain't", "1,000vs", "^_^"), the jar's full abbreviation and
 * smiley lists, and phone-number rules.
 *
 * The jar does not "americanize" under these flags (grey, colour stay as written), drops astral-plane
 * characters (emoji) as untokenizable, and lower-cases bracket tokens ("-lrb-"), which therefore survive
 * the toolkit's upper-case punctuation filter — all reproduced.
 */

/** Tokens pycocoevalcap removes after tokenization (tokenizer/ptbtokenizer.py, PUNCTUATIONS). */
export const COCO_PUNCTUATION: ReadonlySet<string> = new Set([
  "''",
  "'",
  '``',
  '`',
  '-LRB-',
  '-RRB-',
  '-LCB-',
  '-RCB-',
  '.',
  '?',
  '!',
  ',',
  ':',
  '-',
  '--',
  '...',
  ';',
]);

// Abbreviations the jar keeps their final period on (checked against the jar; "vol." is not one).
const ABBREVIATIONS = new Set([
  'mr',
  'mrs',
  'ms',
  'dr',
  'st',
  'jr',
  'sr',
  'inc',
  'ltd',
  'co',
  'corp',
  'etc',
  'vs',
  'fig',
  'prof',
  'mt',
  'gen',
  'gov',
  'sen',
  'rep',
  'capt',
  'col',
  'lt',
  'sgt',
  'jan',
  'feb',
  'aug',
  'sept',
  'oct',
  'nov',
  'dec',
]);

// Capitalised words after which the jar reads "X." as an initial plus a sentence-final period
// ("A. The" → "a . the"); probed from the jar one word at a time.
const SENTENCE_STARTS = new Set([
  'A',
  'An',
  'As',
  'At',
  'After',
  'But',
  'He',
  'Her',
  'Here',
  'However',
  'If',
  'In',
  'It',
  'Many',
  'More',
  'Mr.',
  'Ms.',
  'Now',
  'One',
  'Other',
  'Our',
  'She',
  'Since',
  'So',
  'Some',
  'Such',
  'That',
  'The',
  'Their',
  'Then',
  'There',
  'These',
  'They',
  'This',
  'We',
  'What',
  'When',
  'While',
  'Yet',
  'You',
]);

function sentenceStartsAfter(text: string, pos: number): boolean {
  // The word must stand alone: "A. It's" or "A. A." keep the initial's period, "A. It is" does not.
  const m = /^\s+(\p{Lu}\p{Ll}*\.?)(?=\s|$)/u.exec(text.slice(pos, pos + 24));
  return m !== null && SENTENCE_STARTS.has(m[1]);
}

// Whole words the lexer splits in two (PTB treats them as two morphemes).
const SPLIT_WORDS: Record<string, [number]> = {
  cannot: [3],
  gonna: [3],
  wanna: [3],
  gotta: [3],
  gimme: [3],
  lemme: [3],
};

// Letters, marks and decimal digits; other numerals (½, ²) are tokens of their own in the jar.
const ALNUM = String.raw`[\p{L}\p{M}\p{Nd}]`;
// One rule per token class, tried in this order at each position (first match wins). The order encodes
// the jar's preferences: URLs and e-mails before words, acronyms before plain words, signed numbers only
// directly before digits. `first` lists the characters a rule can start with ('alnum' for letters and
// digits, 'any' for the fallback), so the scanner only tries rules that can match there.
interface Rule {
  kind: string;
  re: RegExp;
  first: 'alnum' | 'any' | string;
}
const RULES: Rule[] = [
  { kind: 'url', re: /(?:https?|ftp):\/\/[^\s<>"]+|www\.[^\s<>"]+/uy, first: 'alnum' },
  { kind: 'email', re: /[\p{L}\p{N}][\p{L}\p{N}._+-]*@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/uy, first: 'alnum' },
  { kind: 'sgml', re: /<\/?[A-Za-z!][^<>\n]*>/uy, first: '<' },
  { kind: 'smiley', re: /[:;=]-?[()]/uy, first: ':;=' },
  { kind: 'tag', re: /[#@]\p{L}[\p{L}\p{N}_]*/uy, first: '#@' },
  { kind: 'decade', re: /'\p{N}+s\b/uy, first: "'" },
  // A clitic standing alone or after digits ("1990's", "'ll") stays one token with its apostrophe.
  { kind: 'clitic', re: /'(?:s|m|d|ll|re|ve|em)(?![\p{L}\p{N}])/iuy, first: "'" },
  { kind: 'n', re: /'n'?(?![\p{L}\p{N}])/iuy, first: "'" },
  { kind: 'tis', re: /'t(?=(?:is|was)\b)/iuy, first: "'" },
  { kind: 'acronym', re: /\p{L}{1,2}(?:\.\p{L}{1,2})+\.?(?![\p{L}\p{N}])/uy, first: 'alnum' },
  { kind: 'numero', re: /no\.(?=\s*\p{Nd})/iuy, first: 'alnum' },
  // "3 1/2": the jar keeps a mixed number as one token, joined by a no-break space.
  { kind: 'mixed', re: /\p{Nd}+[ \u00a0]\p{Nd}+\/\p{Nd}+(?![\p{L}\p{M}\p{Nd}])/uy, first: 'alnum' },
  { kind: 'signed', re: /[-+]\p{N}+(?:[.,:]\p{N}+)*/uy, first: '-+' },
  { kind: 'decimal', re: /\.\p{N}+/uy, first: '.' },
  {
    kind: 'word',
    // Letters/digits joined by single hyphens, slashes, underscores, internal periods, apostrophes
    // between letters (contractions are split afterwards) and digit separators ("1,000", "5:30").
    re: new RegExp(String.raw`${ALNUM}+(?:(?:[-/_.]|(?<=\p{L})'(?=\p{L})|[,:](?=\p{N}))${ALNUM}+)*`, 'uy'),
    first: 'alnum',
  },
  { kind: 'ellipsis', re: /\.\.\.+|…/uy, first: '.…' },
  { kind: 'exclaim', re: /[?!]+/uy, first: '?!' },
  { kind: 'dashes', re: /-{2,}|[\u2013\u2014]/uy, first: '-\u2013\u2014' },
  { kind: 'quotes', re: /``|''/uy, first: "`'" },
  // Curly quotes become PTB quote tokens (and are then dropped as punctuation).
  { kind: 'curly', re: /[\u201c\u201d\u2018\u2019]/uy, first: '\u201c\u201d\u2018\u2019' },
  { kind: 'fraction', re: /[½¼¾⅓⅔]/uy, first: '½¼¾⅓⅔' },
  { kind: 'char', re: /[^\s]/uy, first: 'any' },
];
const ALNUM_RULES = RULES.filter((r) => r.first === 'alnum');
const ANY_RULES = RULES.filter((r) => r.first === 'any');
const RULES_BY_CHAR = new Map<string, Rule[]>();
for (const r of RULES) {
  if (r.first === 'alnum' || r.first === 'any') continue;
  for (const c of r.first) RULES_BY_CHAR.set(c, [...(RULES_BY_CHAR.get(c) ?? []), r]);
}
for (const [c, rs] of RULES_BY_CHAR) RULES_BY_CHAR.set(c, [...rs, ...ANY_RULES]);
const ALNUM_RE = /[\p{L}\p{M}\p{Nd}]/u;

function rulesAt(ch: string, code: number): Rule[] {
  const asciiAlnum = (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  if (asciiAlnum || (code >= 0x80 && ALNUM_RE.test(ch))) return ALNUM_RULES;
  return RULES_BY_CHAR.get(ch) ?? ANY_RULES;
}

// The jar lower-cases its bracket tokens too under -lowerCase, so they are produced lower-case here.
const FRACTIONS: Record<string, string> = { '½': '1/2', '¼': '1/4', '¾': '3/4', '⅓': '1/3', '⅔': '2/3' };
const BRACKETS: Record<string, string> = {
  '(': '-lrb-',
  ')': '-rrb-',
  '[': '-lsb-',
  ']': '-rsb-',
  '{': '-lcb-',
  '}': '-rcb-',
};

/**
 * PTB tokens of one line before lower-casing. Bracket tokens are already lower-case ("-lrb-"), which is
 * why they survive the toolkit's upper-case punctuation filter, exactly as in pycocoevalcap.
 *
 * `following` is the text after this line in the jar's input file. The jar's lookaheads cross line
 * breaks ("No." before a digit, an initial before a sentence start), so a caption's tokens can depend on
 * the next caption; tokens themselves never span lines.
 */
function rawTokens(line: string, following = ''): string[] {
  const text = following ? `${line}\n${following}` : line;
  const end = line.length;
  const hasAt = line.includes('@');
  const hasUrl = line.includes('www.') || line.includes('://');
  const out: string[] = [];
  let pos = 0;
  let quoteOpen = false; // decides `` versus '' for straight double quotes, like the lexer's state
  while (pos < end) {
    const ch = text.charCodeAt(pos);
    if (ch === 32) {
      pos += 1;
      continue;
    }
    if (isSkippable(text, pos, ch)) {
      pos += ch >= 0xd800 && ch <= 0xdbff ? 2 : 1;
      continue;
    }
    let matched = '';
    let kind = '';
    for (const rule of rulesAt(text[pos], ch)) {
      // URL and e-mail rules scan a whole word before failing; skip them on lines that cannot hold one.
      if ((rule.kind === 'email' && !hasAt) || (rule.kind === 'url' && !hasUrl)) continue;
      rule.re.lastIndex = pos;
      const m = rule.re.exec(text);
      if (m && m[0].length > 0) {
        matched = m[0];
        kind = rule.kind;
        break;
      }
    }
    if (!matched) {
      pos += 1;
      continue;
    }
    if (pos + matched.length > end) matched = matched.slice(0, end - pos); // never take from the next line
    pos += matched.length;
    if (kind === 'word') {
      // A known abbreviation, or a single letter (an initial: "A.", "I."), keeps the period after it.
      const initial =
        matched.length === 1 && /\p{L}/u.test(matched) && !/[\p{L}\p{N}]/u.test(text[pos + 1] ?? '') && !sentenceStartsAfter(text, pos + 1);
      // (text includes the following lines, so these lookaheads see across the line break like the jar)
      if (text[pos] === '.' && (initial || ABBREVIATIONS.has(matched.toLowerCase())) && text[pos + 1] !== '.') {
        matched += '.';
        pos += 1;
      }
      for (const t of splitWord(matched)) out.push(t);
      continue;
    }
    if (kind === 'char' && matched === '"') {
      out.push(quoteOpen ? "''" : '``');
      quoteOpen = !quoteOpen;
      continue;
    }
    if (kind === 'char' && (matched === "'" || matched === '`')) {
      // A quote opens when it follows whitespace or an opening bracket, as in PTB's quote rules.
      const prev = text[pos - 2];
      out.push(matched === '`' || prev === undefined || /[\s([{]/u.test(prev) ? '`' : "'");
      continue;
    }
    out.push(normalizeSymbol(kind, matched));
  }
  return out;
}

/** Raw PTB tokens lower-cased, as the jar prints them with -lowerCase. */
export function ptbTokens(text: string): string[] {
  return rawTokens(text).map((t) => t.toLowerCase());
}

// pycocoevalcap replaces newlines with spaces before writing one caption per line; a carriage return
// would be a line break for the jar, so it is treated the same way here.
function asLine(caption: string): string {
  return caption.replace(/[\n\r]/g, ' ');
}

/**
 * pycocoevalcap's tokenized caption: PTB tokens without the punctuation list, joined by one space.
 * `following` is the caption written after this one in the toolkit's input file, if any (see rawTokens).
 */
export function cocoTokenize(caption: string, following = ''): string {
  // Punctuation tokens have no case, so filtering before lower-casing the joined line is equivalent.
  return rawTokens(asLine(caption), following)
    .filter((t) => !COCO_PUNCTUATION.has(t))
    .join(' ')
    .toLowerCase();
}

/** How far the jar's lookaheads reach past the end of a line, with room to spare. */
const LOOKAHEAD_CHARS = 64;

/**
 * Tokenizes captions as pycocoevalcap does in one jar call: one caption per line, in this order, each
 * line able to see the start of the lines after it.
 */
export function cocoTokenizeSequence(captions: readonly string[]): string[] {
  const lines = captions.map(asLine);
  return lines.map((line, i) => {
    let following = '';
    for (let j = i + 1; j < lines.length && following.length < LOOKAHEAD_CHARS; j++) {
      following += (j > i + 1 ? '\n' : '') + lines[j];
    }
    return cocoTokenize(line, following);
  });
}

function normalizeSymbol(kind: string, token: string): string {
  if (kind === 'ellipsis') return '...';
  if (kind === 'mixed') return token.replace(' ', '\u00a0');
  if (kind === 'dashes') return '--';
  if (kind === 'curly') return token === '\u201c' ? '``' : token === '\u201d' ? "''" : token === '\u2018' ? '`' : "'";
  if (kind === 'fraction') return FRACTIONS[token];
  if (kind === 'smiley') return token.replace(/[()]/g, (b) => BRACKETS[b]);
  if (kind === 'char') {
    if (BRACKETS[token]) return BRACKETS[token];
    if (token === '£') return '#'; // PTB3 maps pound and euro onto the Treebank's # and $ symbols
    if (token === '€') return '$';
  }
  return token;
}

function splitWord(word: string): string[] {
  // Most words have no apostrophe and are not one of the few split words: skip the regexes for them.
  if (!word.includes("'")) {
    if ((word.length === 5 || word.length === 6) && 'cgwlCGWL'.includes(word[0])) {
      const split = SPLIT_WORDS[word.toLowerCase()];
      if (split) return [word.slice(0, split[0]), word.slice(split[0])];
    }
    return [word];
  }
  const lower = word.toLowerCase();
  const rockNRoll = /^(.+)('n')(.+)$/iu.exec(word);
  if (rockNRoll) return [rockNRoll[1], rockNRoll[2], rockNRoll[3]];
  if (lower.startsWith("y'") && lower.length > 2) return [word.slice(0, 2), word.slice(2)]; // "y' all", "y' know"
  const nt = /^(.+?)(n't)$/iu.exec(word);
  if (nt && !nt[1].includes("'")) return [nt[1], nt[2]];
  const clitic = /^([^']+)('(?:s|m|d|re|ve|ll))$/iu.exec(word);
  if (clitic) return [clitic[1], clitic[2]];
  return [word];
}

/**
 * Characters the jar reports as "Untokenizable" and drops: astral-plane code points (emoji; the 3.4.1
 * lexer works on UTF-16 units and rejects surrogates), variation selectors, zero-width joiners and other
 * format characters, and combining marks that do not follow a letter.
 */
function isSkippable(text: string, pos: number, code: number): boolean {
  if (code >= 0xd800 && code <= 0xdfff) return true;
  if (code >= 0x20 && code < 0x7f) return false;
  const ch = text[pos];
  if (/[\p{Cf}\p{Cc}]/u.test(ch)) return true;
  if (/\p{M}/u.test(ch)) return true; // a mark inside a word is consumed by the word rule instead
  return false;
}
