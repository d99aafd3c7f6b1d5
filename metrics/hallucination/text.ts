/**
 * Text helpers for the hallucination metrics: caption tokens, quoted spans, and a normalised edit
 * distance for matching quoted or stated text against the lines an annotator read in the image.
 */

export interface Token {
  /** Lower-cased word, or a punctuation mark ("," "." ";" ":" "!" "?" "(" ")"). */
  text: string;
  punct: boolean;
}

/** Quoted spans (straight or curly double quotes) and the caption with them blanked out. */
export function splitQuotes(caption: string): { quotes: string[]; rest: string } {
  const quotes: string[] = [];
  const rest = caption.replace(/["“”]([^"“”]*)["“”]/g, (_, inner: string) => {
    if (inner.trim()) quotes.push(inner.trim());
    return ' , ';
  });
  return { quotes, rest };
}

/** Words (letters/digits, inner apostrophes kept; hyphens split) and punctuation, lower-cased. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.toLowerCase().matchAll(/[a-z0-9]+(?:'[a-z]+)?|[,.;:!?()]/g)) {
    const t = m[0];
    out.push({ text: t.replace(/'s$/, ''), punct: /^[,.;:!?()]$/.test(t) });
  }
  return out;
}

/** Words in a caption: whitespace tokens containing a letter or digit (as the enrichment statistics count them). */
export function wordCount(caption: string): number {
  return caption.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w)).length;
}

/**
 * Lower case, every run of non-alphanumerics to one space: how quotes and text lines are compared. The
 * multiplication sign of printed sizes ("5×500") is the letter x an annotator types; NFKD keeps it apart.
 */
export function normalizeText(text: string): string {
  return text
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/\u00d7/g, 'x')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

export function levenshtein(a: string, b: string): number {
  if (a === b) return 0;
  if (!a.length) return b.length;
  if (!b.length) return a.length;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** Edit distance over the longer length, 0 (equal) .. 1; both sides normalised first. */
export function normalizedDistance(a: string, b: string): number {
  const x = normalizeText(a);
  const y = normalizeText(b);
  const n = Math.max(x.length, y.length);
  return n === 0 ? 0 : levenshtein(x, y) / n;
}
