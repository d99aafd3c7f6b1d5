/**
 * n-gram counting shared by BLEU and CIDEr. A tokenized caption is split on whitespace (Python's
 * `str.split()` in bleu_scorer / cider_scorer). Each distinct n-gram gets a small dense integer id from
 * a trie of (prefix id, token id) pairs held in an open-addressing hash table, so counting and lookups
 * use small-integer map keys and typed arrays instead of tuples or joined strings — the toolkit's
 * tuple-keyed dicts are what make it slow.
 */
export const MAX_ORDER = 4;

/**
 * n-gram id → count in one caption, all orders in one map (ids are unique across orders; the order of
 * an id is `vocab.orderOf(id)`, 0-based). Within one order, entries keep the order of first appearance,
 * the same order in which the toolkit's dicts iterate, so floating-point sums match term by term.
 */
export type NgramCounts = Map<number, number>;

export function words(tokenized: string): string[] {
  const trimmed = tokenized.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/u);
}

/** Interns tokens and n-grams; one instance per evaluation so ids are comparable across captions. */
export class NgramVocabulary {
  private readonly tokens = new Map<string, number>();
  // Open addressing over (prefix, token) → id; prefix 0 is the empty prefix of unigrams.
  private keyPrefix = new Int32Array(1 << 16);
  private keyToken = new Int32Array(1 << 16);
  private value = new Int32Array(1 << 16); // 0 = empty slot
  private used = 0;
  private order = new Uint8Array(1 << 15); // by id: n-gram order - 1

  /** 0-based order of an n-gram id (0 = unigram). */
  orderOf(id: number): number {
    return this.order[id];
  }

  /** Number of distinct n-grams so far; ids run from 1 to size. */
  get size(): number {
    return this.used;
  }

  private tokenId(w: string): number {
    let id = this.tokens.get(w);
    if (id === undefined) {
      id = this.tokens.size + 1;
      this.tokens.set(w, id);
    }
    return id;
  }

  private gramId(prefix: number, token: number, k: number): number {
    const mask = this.value.length - 1;
    let slot = (Math.imul(prefix, 0x9e3779b1) ^ Math.imul(token, 0x85ebca77)) & mask;
    for (;;) {
      const v = this.value[slot];
      if (v === 0) break;
      if (this.keyPrefix[slot] === prefix && this.keyToken[slot] === token) return v;
      slot = (slot + 1) & mask;
    }
    this.used += 1;
    this.keyPrefix[slot] = prefix;
    this.keyToken[slot] = token;
    this.value[slot] = this.used;
    if (this.used >= this.order.length) {
      const bigger = new Uint8Array(this.order.length * 2);
      bigger.set(this.order);
      this.order = bigger;
    }
    this.order[this.used] = k;
    if (this.used * 2 > this.value.length) this.grow();
    return this.used;
  }

  private grow(): void {
    const [p, t, v] = [this.keyPrefix, this.keyToken, this.value];
    const cap = v.length * 2;
    this.keyPrefix = new Int32Array(cap);
    this.keyToken = new Int32Array(cap);
    this.value = new Int32Array(cap);
    const mask = cap - 1;
    for (let i = 0; i < v.length; i++) {
      if (v[i] === 0) continue;
      let slot = (Math.imul(p[i], 0x9e3779b1) ^ Math.imul(t[i], 0x85ebca77)) & mask;
      while (this.value[slot] !== 0) slot = (slot + 1) & mask;
      this.keyPrefix[slot] = p[i];
      this.keyToken[slot] = t[i];
      this.value[slot] = v[i];
    }
  }

  count(tokenized: string, n = MAX_ORDER): NgramCounts {
    const ws = words(tokenized);
    const toks = new Int32Array(ws.length);
    for (let i = 0; i < ws.length; i++) toks[i] = this.tokenId(ws[i]);
    const counts: NgramCounts = new Map();
    for (let i = 0; i < toks.length; i++) {
      let id = 0;
      for (let k = 0; k < n && i + k < toks.length; k++) {
        id = this.gramId(id, toks[i + k], k);
        counts.set(id, (counts.get(id) ?? 0) + 1);
      }
    }
    return counts;
  }
}

/** Total count of the n-grams of 0-based order k in a counted caption (k = 0: its number of words). */
export function totalOfOrder(vocab: NgramVocabulary, counts: NgramCounts, k: number): number {
  let s = 0;
  for (const [g, c] of counts) if (vocab.orderOf(g) === k) s += c;
  return s;
}

/** Candidates and references counted once with one vocabulary, for BLEU and CIDEr to share. */
export interface CountedCaptions {
  vocab: NgramVocabulary;
  candidates: NgramCounts[];
  references: NgramCounts[][];
}

export function countCaptions(candidates: readonly string[], references: readonly (readonly string[])[], n = MAX_ORDER): CountedCaptions {
  if (candidates.length !== references.length) {
    throw new Error(`${candidates.length} candidates but ${references.length} reference sets`);
  }
  const vocab = new NgramVocabulary();
  return {
    vocab,
    candidates: candidates.map((c) => vocab.count(c, n)),
    references: references.map((rs) => rs.map((r) => vocab.count(r, n))),
  };
}
