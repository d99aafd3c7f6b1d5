/**
 * METEOR's `-norm` text normalisation for English with punctuation kept (what pycocoevalcap runs:
 * `-l en -norm`): separate symbols, collapse runs of dots, split commas and English contractions, break
 * hyphenated words, handle sentence-final dots with the non-breaking prefix list, then lower-case.
 *
 * Java's regex classes differ from JavaScript's in three ways that matter here, so each pattern spells
 * them out: `\s` and `\p{Digit}` are ASCII-only in Java, `[^…]` consumes a whole code point (hence the
 * `u` flag), and String.trim() strips only characters ≤ U+0020.
 */

const ALPHA =
  'A-Za-z\u0160\u017d\u0161\u017e\u0178\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u017e\u0400-\u04ff\u0500-\u0527\ua640-\ua66e\ua67e-\ua697\u1d00-\u1d7f';
const ALNUM = '0-9' + ALPHA;
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';

const SEP_OTHER = new RegExp(`([^${ALNUM}${JAVA_SPACE}.'\`,\\-\u2018\u2019])`, 'gu');
const MULTI_DOT = /\.(\.+)/gu;
const MULTI_DOT2 = /DOTMULTI\.([^.])/gu;
const COMMA1 = /([^0-9]),([^0-9])/gu;
const COMMA2 = /([0-9]),([^0-9])/gu;
const COMMA3 = /([^0-9]),([0-9])/gu;
const QUOTE1 = /([`\u2018\u2019])/gu;
const QUOTE2 = /([\u201c\u201d]|'')/gu;
const RM_DASH = new RegExp(`([${ALNUM}.])-([${ALNUM}])`, 'gu');
const CONT1 = new RegExp(`([^${ALPHA}])'([^${ALPHA}])`, 'gu');
const CONT2 = new RegExp(`([^${ALPHA}0-9])'([${ALPHA}])`, 'gu');
const CONT3 = new RegExp(`([${ALPHA}])'([^${ALPHA}])`, 'gu');
const CONT4 = new RegExp(`([${ALPHA}])'([${ALPHA}])`, 'gu');
const CONT5 = /([0-9])'(s)/gu;
const NBP_HAS_ALPHA = new RegExp(`[${ALPHA}]`, 'u');
const STARTS_LOWER = /^[a-z]/u;
const STARTS_DIGIT = /^[0-9]+/u;
const WHITE = /[\u0020\u2000-\u200a\u202f\u205f\u3000\u00a0]+/gu;
/** After the dots: commas, quotes, dashes, hyphens and English contractions, in the jar's order. */
const ENGLISH_RULES: [RegExp | string, string][] = [
  [COMMA1, '$1 , $2'],
  [COMMA2, '$1 , $2'],
  [COMMA3, '$1 , $2'],
  [QUOTE1, "'"],
  [QUOTE2, ' " '],
  ['\u2013', '-'],
  ['--', '-'],
  [RM_DASH, '$1 $2'],
  [CONT1, "$1 ' $2"],
  [CONT2, "$1 ' $2"],
  [CONT3, "$1 ' $2"],
  [CONT4, "$1 '$2"],
  [CONT5, "$1 '$2"],
];
/** java.util.StringTokenizer's default delimiters. */
const TOKEN_DELIMITERS = /[ \t\n\r\f]+/;

/** Non-breaking prefixes: 1 = always, 2 = only before a number. */
export type NonBreakingPrefixes = ReadonlyMap<string, 1 | 2>;

export function parseNonBreakingPrefixes(text: string): NonBreakingPrefixes {
  const out = new Map<string, 1 | 2>();
  for (const line of text.split(/\r?\n/)) {
    const tokens = javaTokens(line);
    if (tokens.length === 0 || tokens[0].startsWith('#')) continue;
    out.set(tokens[0], tokens.length > 1 && tokens[1] === '#NUMERIC_ONLY#' ? 2 : 1);
  }
  return out;
}

/** Splits like java.util.StringTokenizer with its default delimiters. */
export function javaTokens(s: string): string[] {
  return s.split(TOKEN_DELIMITERS).filter((t) => t.length > 0);
}

/** Java's String.trim(): strips code units ≤ U+0020 only. */
export function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 0x20) a++;
  while (b > a && s.charCodeAt(b - 1) <= 0x20) b--;
  return s.slice(a, b);
}

export function normalizeEnglish(line: string, prefixes: NonBreakingPrefixes): string {
  let s = ` ${line} `;
  s = s.replace(SEP_OTHER, ' $1 ');
  s = s.replace(MULTI_DOT, ' DOTMULTI$1');
  while (s.includes('DOTMULTI.')) {
    s = s.replace(MULTI_DOT2, 'DOTDOTMULTI $1');
    s = s.replaceAll('DOTMULTI.', 'DOTDOTMULTI');
  }
  for (const [pattern, replacement] of ENGLISH_RULES) s = s.replaceAll(pattern, replacement);

  const tokens = javaTokens(s);
  let out = '';
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    if (tok.length > 1 && tok.endsWith('.')) {
      const pre = tok.slice(0, -1);
      const kind = prefixes.get(pre);
      const next = i < tokens.length - 1 ? tokens[i + 1] : undefined;
      if (pre.includes('.') && NBP_HAS_ALPHA.test(pre)) out += tok.replaceAll('.', '');
      else if (kind === 1 || (next !== undefined && STARTS_LOWER.test(next))) out += tok;
      else if (kind === 2 && next !== undefined && STARTS_DIGIT.test(next)) out += tok;
      else out += `${pre} .`;
    } else {
      out += tok;
    }
    out += ' ';
  }
  s = out;
  while (s.includes('DOTDOTMULTI')) s = s.replaceAll('DOTDOTMULTI', 'DOTMULTI.');
  s = s.replaceAll('DOTMULTI', '.');
  return javaTrim(s.replace(WHITE, ' '));
}
