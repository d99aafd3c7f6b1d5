/**
 * Whether an OCR line reads as text a caption may quote. A misread ("Wivenioe rark", "gallerlies the
 * ship") quoted as fact is a hallucination, so a line is quoted only when every token of four letters
 * or more is an English word (WordNet's word list, as METEOR 1.5's jar ships it, plus its function
 * words) or a plausible code ("GM 125", "A4", "B-12", "2024"). Names and brands are no English words:
 * they are quoted when the OCR read them surely (fuse.sureTextConfidence, experts/fuse/facts.ts). An
 * earlier exception for one unknown capitalised word beside a known one ("Wivenhoe Park") let PP-OCRv6's
 * "Flli the blank spaces" (for "Fill in", 0.935) through and found no true line the sure rule does not.
 * Short tokens (≤ 3 letters: "NO", "the", "St") are not judged: too many abbreviations to list.
 * Two known words of four letters or more run together ("Freephone") count as known.
 */
import { readJarEntries } from '../../lib/jar-resources.ts';
import { meteorJar } from '../../lib/toolkit-paths.ts';

let cached: { words: ReadonlySet<string>; functionWords: ReadonlySet<string> } | null = null;

/** Pronouns, determiners, prepositions, conjunctions and modals. */
const CLOSED_CLASS = (
  'i me my mine myself you your yours yourself yourselves he him his himself she her hers herself it its itself we us our ours ' +
  'ourselves they them their theirs themselves this that these those who whom whose which what each every either neither ' +
  'some any none both all such no nor not only own same than too very about above across after against along amid among ' +
  'around before behind below beneath beside besides between beyond during except inside into near onto outside over past ' +
  'since through throughout toward towards under underneath until unto upon via with within without although because ' +
  'though unless whereas whether while shall should must might may can could will would ought'
).split(' ');

/** WordNet's lemmas (single words, lower case) and METEOR's function words, loaded once per process. */
export function englishWords(): ReadonlySet<string> {
  return wordLists().words;
}

function wordLists(): { words: ReadonlySet<string>; functionWords: ReadonlySet<string> } {
  if (cached) return cached;
  const files = readJarEntries(meteorJar(), ['synonym/english.synsets', 'synonym/english.exceptions', 'function/english.words']);
  const words = new Set<string>();
  const synsets = files.get('synonym/english.synsets')!.toString('utf8').split('\n');
  // english.synsets alternates a word line and its synset ids; english.exceptions a base word and its
  // irregular forms ("geese" → goose).
  for (let i = 0; i < synsets.length; i += 2) if (/^[a-z]+$/.test(synsets[i])) words.add(synsets[i]);
  const exceptions = files.get('synonym/english.exceptions')!.toString('utf8').split('\n');
  for (let i = 1; i < exceptions.length; i += 2) for (const w of exceptions[i].split(/\s+/)) if (/^[a-z]+$/.test(w)) words.add(w);
  const functionWords = new Set<string>();
  for (const w of files.get('function/english.words')!.toString('utf8').split(/\r?\n/)) if (w) functionWords.add(w.toLowerCase());
  for (const w of functionWords) words.add(w);
  // WordNet lists no closed-class words and METEOR's function list misses some ("These markers …",
  // "without repeating any" on a page scan).
  for (const w of CLOSED_CLASS) words.add(w);
  cached = { words, functionWords };
  return cached;
}

/**
 * Whether a line is nothing but function words ("the", "of the", "and"): the loose end of a sign whose
 * other words sit on another line. It is true text, but a caption quoting it ("reads "the" and "copy
 * centre"") says nothing.
 */
export function onlyFunctionWords(line: string): boolean {
  const { functionWords } = wordLists();
  const tokens = line
    .toLowerCase()
    .split(/[^a-z0-9']+/)
    .filter(Boolean);
  return tokens.length > 0 && tokens.every((t) => functionWords.has(t));
}

/** Regular inflections back to a WordNet lemma: parking → park, signs → sign, closed → close. */
function isWord(token: string, words: ReadonlySet<string>): boolean {
  const w = token.toLowerCase();
  if (words.has(w)) return true;
  const stems = [
    w.replace(/s$/, ''),
    w.replace(/es$/, ''),
    w.replace(/ies$/, 'y'),
    w.replace(/ed$/, ''),
    w.replace(/ed$/, 'e'),
    w.replace(/ing$/, ''),
    w.replace(/ing$/, 'e'),
    w.replace(/'s$/, ''),
  ];
  if (stems.some((s) => s !== w && s.length >= 2 && words.has(s))) return true;
  return isCompound(w, words);
}

/**
 * Two words of four letters or more written as one, as signs do ("Freephone", "Bookshop"): WordNet lists
 * few such compounds. Four letters each keeps chance splits of a misread out ("gallerlies" is not one).
 */
function isCompound(w: string, words: ReadonlySet<string>): boolean {
  for (let i = 4; i <= w.length - 4; i++) {
    const head = w.slice(0, i);
    const tail = w.slice(i);
    if (words.has(head) && (words.has(tail) || words.has(tail.replace(/s$/, '')))) return true;
  }
  return false;
}

/** Digits, or a short letters-and-digits code: 125, A4, B-12, M25, 10:30, 3.5. */
function isCode(token: string): boolean {
  if (/^[0-9]+([.,:/-][0-9]+)*$/.test(token)) return true;
  return token.length <= 6 && /[0-9]/.test(token) && /^[A-Za-z0-9-]+$/.test(token);
}

export type TextVerdict = { ok: true } | { ok: false; reason: string };

export function readsAsText(line: string, words: ReadonlySet<string>): TextVerdict {
  const tokens = line
    .split(/[^A-Za-z0-9'.:/,-]+/)
    .map((t) => t.replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, ''))
    .filter(Boolean);
  if (tokens.length === 0) return { ok: false, reason: 'no_letters' };
  const unknown: string[] = [];
  for (const t of tokens) {
    if (isCode(t)) continue;
    const letters = t.replace(/[^A-Za-z]/g, '');
    if (letters.length <= 3) continue;
    if (!isWord(letters, words) && !t.split(/[-']/).every((part) => part.length <= 3 || isWord(part, words))) unknown.push(t);
  }
  if (unknown.length === 0) return { ok: true };
  return { ok: false, reason: `not_words: ${unknown.join(' ')}` };
}
