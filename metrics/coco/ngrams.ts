/**
 * n-gram counting shared by BLEU and CIDEr. A tokenized caption is split on whitespace (Python's
 * `str.split()` in bleu_scorer / cider_scorer), and n-grams of order 1..n are keyed by their words joined
 * with a space, which is unambiguous because tokens never contain whitespace.
 */
export const MAX_ORDER = 4;

export function words(tokenized: string): string[] {
  const trimmed = tokenized.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/u);
}

/** counts[k - 1] maps each k-gram to its count, k = 1..n. */
export function ngramCounts(tokens: readonly string[], n = MAX_ORDER): Map<string, number>[] {
  const counts: Map<string, number>[] = [];
  for (let k = 1; k <= n; k++) {
    const m = new Map<string, number>();
    for (let i = 0; i + k <= tokens.length; i++) {
      const key = k === 1 ? tokens[i] : tokens.slice(i, i + k).join(' ');
      m.set(key, (m.get(key) ?? 0) + 1);
    }
    counts.push(m);
  }
  return counts;
}
