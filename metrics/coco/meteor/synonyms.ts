/**
 * METEOR's WordNet synonym module data: word → synset ids (english.synsets), irregular forms → base
 * words (english.exceptions), and the jar's own suffix-stripping "morph" for regular inflections. Two
 * words are synonyms when their synset sets (own plus base form's) intersect.
 *
 * The jar reads english.relations too but never uses it (the branch is switched off), so it is not
 * loaded here either.
 */

/** Suffix → replacement pairs, tried in this order (WordNet's morphy rules for nouns, verbs, adjectives). */
const SUFFIXES = [
  's',
  'ses',
  'xes',
  'zes',
  'ches',
  'shes',
  'men',
  'ies',
  's',
  'ies',
  'es',
  'es',
  'ed',
  'ed',
  'ing',
  'ing',
  'er',
  'est',
  'er',
  'est',
];
const REPLACEMENTS = ['', 's', 'x', 'z', 'ch', 'sh', 'man', 'y', '', 'y', 'e', '', 'e', '', 'e', '', '', '', 'e', 'e'];

const EMPTY: readonly number[] = [];

export class SynonymDictionary {
  private readonly rawSynsets = new Map<string, string>();
  private readonly parsed = new Map<string, readonly number[]>();
  private readonly wordToBases = new Map<string, string[]>();

  constructor(synsetsText: string, exceptionsText: string) {
    const syn = synsetsText.split('\n');
    for (let i = 0; i + 1 < syn.length; i += 2) this.rawSynsets.set(syn[i], syn[i + 1]);
    const exc = exceptionsText.split('\n');
    for (let i = 0; i + 1 < exc.length; i += 2) {
      const base = exc[i];
      for (const variant of exc[i + 1].split(/[ \t\r\f]+/)) {
        if (variant === '') continue;
        const bases = this.wordToBases.get(variant);
        if (bases) bases.push(base);
        else this.wordToBases.set(variant, [base]);
      }
    }
  }

  synsets(word: string): readonly number[] {
    const cached = this.parsed.get(word);
    if (cached) return cached;
    const raw = this.rawSynsets.get(word);
    const ids =
      raw === undefined
        ? EMPTY
        : raw
            .split(/[ \t\r\f]+/)
            .filter((t) => t !== '')
            .map(Number);
    this.parsed.set(word, ids);
    return ids;
  }

  /** Synsets of the word's base forms: listed exceptions first, else the morph rules. */
  baseSynsets(word: string): readonly number[] {
    const bases = this.wordToBases.get(word);
    if (bases) return bases.flatMap((b) => this.synsets(b));
    return this.synsets(this.morph(word));
  }

  /** The word's own and base-form synsets together, ascending, as the synonym matcher compares them. */
  allSynsets(word: string): Int32Array {
    return Int32Array.from(new Set([...this.synsets(word), ...this.baseSynsets(word)])).sort();
  }

  /**
   * The jar's morph: words ending in "ss" or of ≤ 2 letters stay as they are; otherwise the first
   * suffix rule whose result is a WordNet word wins; no rule → "" (a word with no synsets).
   */
  private morph(word: string): string {
    if (word.endsWith('ss') || word.length <= 2) return word;
    for (let i = 0; i < SUFFIXES.length; i++) {
      if (!word.endsWith(SUFFIXES[i])) continue;
      const candidate = word.slice(0, word.length - SUFFIXES[i].length) + REPLACEMENTS[i];
      if (this.rawSynsets.has(candidate)) return candidate;
    }
    return '';
  }
}
