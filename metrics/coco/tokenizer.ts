/**
 * The COCO caption toolkit's tokenization, in TypeScript.
 *
 * pycocoevalcap writes every caption on its own line and runs Stanford CoreNLP 3.4.1's PTBTokenizer with
 * `-preserveLines -lowerCase`, then drops tokens that are in a fixed punctuation list and joins the rest
 * with single spaces. Every COCO metric is computed on that joined string, so parity with the toolkit
 * starts here. This is not the full JFlex grammar of PTBLexer: it reproduces the jar's behaviour for the
 * kinds of text captions contain (words, contractions, hyphens, numbers, quotes, brackets, currency,
 * non-ASCII letters, emoji), and test/metrics/coco/tokenizer.test.ts checks it against the jar itself.
 * Known gaps (rare in captions): the jar's full abbreviation list, smileys beyond ":)"-style, and
 * phone-number / fraction-entity rules.
 */

/** Tokens pycocoevalcap removes after tokenization (tokenizer/ptbtokenizer.py, PUNCTUATIONS). */
export const COCO_PUNCTUATION: ReadonlySet<string> = new Set([
  "''", "'", '``', '`', '-LRB-', '-RRB-', '-LCB-', '-RCB-', '.', '?', '!', ',', ':', '-', '--', '...', ';',
]);

// Abbreviations the jar keeps their final period on (checked against the jar; "vol." is not one).
const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'st', 'jr', 'sr', 'inc', 'ltd', 'co', 'corp', 'etc', 'vs', 'fig', 'prof', 'mt',
  'gen', 'gov', 'sen', 'rep', 'capt', 'col', 'lt', 'sgt', 'jan', 'feb', 'aug', 'sept', 'oct', 'nov', 'dec',
]);

// Whole words the lexer splits in two (PTB treats them as two morphemes).
const SPLIT_WORDS: Record<string, [number]> = {
  cannot: [3], gonna: [3], wanna: [3], gotta: [3], gimme: [3], lemme: [3],
};

const ALNUM = String.raw`[\p{L}\p{M}\p{N}]`;
// One rule per token class, tried in this order at each position (first match wins). The order encodes
// the jar's preferences: URLs and e-mails before words, acronyms before plain words, signed numbers only
// directly before digits.
const RULES: { kind: string; re: RegExp }[] = [
  { kind: 'url', re: /(?:https?|ftp):\/\/[^\s<>"]+|www\.[^\s<>"]+/uy },
  { kind: 'email', re: /[\p{L}\p{N}._+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/uy },
  { kind: 'sgml', re: /<\/?[A-Za-z!][^<>\n]*>/uy },
  { kind: 'smiley', re: /[:;]-?[()]/uy },
  { kind: 'tag', re: new RegExp(String.raw`[#@][\p{L}\p{N}_]+`, 'uy') },
  { kind: 'decade', re: /'\p{N}+s\b/uy },
  { kind: 'tis', re: /'t(?=(?:is|was)\b)/iuy },
  { kind: 'acronym', re: /\p{L}{1,2}(?:\.\p{L}{1,2})+\.?(?![\p{L}\p{N}])/uy },
  { kind: 'numero', re: /no\.(?=\s*\p{N})/iuy },
  { kind: 'signed', re: /[-+]\p{N}+(?:[.,:]\p{N}+)*/uy },
  {
    kind: 'word',
    // Letters/digits joined by single hyphens, slashes, underscores, internal periods, apostrophes
    // (contractions are split afterwards) and digit separators ("1,000", "5:30").
    re: new RegExp(
      String.raw`${ALNUM}+(?:(?:[-/_.]|(?<=\p{L})'(?=\p{L})|[,:](?=\p{N}))${ALNUM}+)*`,
      'uy',
    ),
  },
  { kind: 'ellipsis', re: /\.\.\.+|…/uy },
  { kind: 'exclaim', re: /[?!]+/uy },
  { kind: 'dashes', re: /-{2,}|[\u2013\u2014]/uy },
  { kind: 'quotes', re: /``|''/uy },
  { kind: 'char', re: /[^\s]/uy },
];

const BRACKETS: Record<string, string> = {
  '(': '-LRB-', ')': '-RRB-', '[': '-LSB-', ']': '-RSB-', '{': '-LCB-', '}': '-RCB-',
};

/**
 * Raw PTB tokens of one line, lower-cased as the jar prints them with -lowerCase (bracket tokens are
 * lower-cased too, so "-lrb-" survives the punctuation filter, exactly as in pycocoevalcap).
 */
export function ptbTokens(text: string): string[] {
  const out: string[] = [];
  let pos = 0;
  let quoteOpen = false; // decides `` versus '' for straight double quotes, like the lexer's state
  while (pos < text.length) {
    const ch = text.charCodeAt(pos);
    if (isSkippable(text, pos)) {
      pos += ch >= 0xd800 && ch <= 0xdbff ? 2 : 1;
      continue;
    }
    let matched = '';
    let kind = '';
    for (const rule of RULES) {
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
    pos += matched.length;
    if (kind === 'word') {
      // A known abbreviation keeps the period that follows it.
      if (text[pos] === '.' && ABBREVIATIONS.has(matched.toLowerCase()) && text[pos + 1] !== '.') {
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
  return out.map((t) => t.toLowerCase());
}

/** pycocoevalcap's tokenized caption: PTB tokens without the punctuation list, joined by one space. */
export function cocoTokenize(caption: string): string {
  // pycocoevalcap replaces newlines with spaces before writing one caption per line; a carriage return
  // would be a line break for the jar, so it is treated the same way here.
  const line = caption.replace(/[\n\r]/g, ' ');
  return ptbTokens(line)
    .filter((t) => !COCO_PUNCTUATION.has(t))
    .join(' ');
}

function normalizeSymbol(kind: string, token: string): string {
  if (kind === 'ellipsis') return '...';
  if (kind === 'dashes') return '--';
  if (kind === 'smiley') return token.replace(/[()]/g, (b) => BRACKETS[b]);
  if (kind === 'char') {
    if (BRACKETS[token]) return BRACKETS[token];
    if (token === '£') return '#'; // PTB3 maps pound and euro onto the Treebank's # and $ symbols
    if (token === '€') return '$';
  }
  return token;
}

function splitWord(word: string): string[] {
  const lower = word.toLowerCase();
  const split = SPLIT_WORDS[lower];
  if (split) return [word.slice(0, split[0]), word.slice(split[0])];
  const rockNRoll = /^(.+)('n')(.+)$/iu.exec(word);
  if (rockNRoll) return [rockNRoll[1], rockNRoll[2], rockNRoll[3]];
  if (lower === "y'all") return [word.slice(0, 2), word.slice(2)];
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
function isSkippable(text: string, pos: number): boolean {
  const code = text.charCodeAt(pos);
  if (code >= 0xd800 && code <= 0xdfff) return true;
  const ch = text[pos];
  if (/[\p{Cf}\p{Cc}]/u.test(ch)) return true;
  if (/\p{M}/u.test(ch)) return true; // a mark inside a word is consumed by the word rule instead
  return false;
}
