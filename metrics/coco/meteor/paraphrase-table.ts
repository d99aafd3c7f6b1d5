/**
 * METEOR's English paraphrase table (data/paraphrase-en.gz in pycocoevalcap: 5.3 M phrase pairs, 272 MB
 * of text) as a compact index built once and cached, so scoring reads only the pairs whose words all
 * occur in the text being scored.
 *
 * The jar loads the whole table into a trie at every start (most of its ~5 s start). A pair can only
 * produce a match when every word of both phrases occurs in the evaluated sentences, so the index files
 * each pair under its rarest word; loading for a corpus visits the buckets of the corpus's words and
 * keeps the pairs whose words are all in the corpus. Pairs keep their table position: the jar's matcher
 * emits paraphrases in table order, and the beam search's tie-breaking depends on that order.
 *
 * Cache file layout (little-endian): "FCPARA01", u32 header length, header JSON, vocabulary (sorted
 * words joined by "\n", u32 length first), u32 offsets[vocab + 1] into the entry data (in int32 units),
 * entry data: per pair [table position, source length, target length, source ids…, target ids…].
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { gunzipSync } from 'node:zlib';

const MAGIC = 'FCPARA01';

export interface ParaphrasePair {
  /** Position in the original table (the jar's paraphrase index). */
  index: number;
  source: string[];
  target: string[];
}

interface IndexHeader {
  version: 1;
  source: { path: string; size: number; mtimeMs: number };
  pairs: number;
  vocabulary: number;
  dataInts: number;
}

function sourceStamp(gzPath: string): IndexHeader['source'] {
  const st = statSync(gzPath);
  return { path: gzPath, size: st.size, mtimeMs: Math.floor(st.mtimeMs) };
}

/** Reads the header of an index file, or undefined when it is missing, foreign or stale for `gzPath`. */
function readHeader(indexPath: string, gzPath: string): { header: IndexHeader; bodyStart: number } | undefined {
  if (!existsSync(indexPath)) return undefined;
  const fd = openSync(indexPath, 'r');
  try {
    const head = Buffer.alloc(12);
    readSync(fd, head, 0, 12, 0);
    if (head.toString('latin1', 0, 8) !== MAGIC) return undefined;
    const len = head.readUInt32LE(8);
    const json = Buffer.alloc(len);
    readSync(fd, json, 0, len, 12);
    const header = JSON.parse(json.toString('utf8')) as IndexHeader;
    const now = sourceStamp(gzPath);
    if (header.source.size !== now.size || header.source.mtimeMs !== now.mtimeMs) return undefined;
    return { header, bodyStart: align4(12 + len) };
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** True when `indexPath` holds a current index of `gzPath`. */
export function paraphraseIndexIsCurrent(indexPath: string, gzPath: string): boolean {
  return readHeader(indexPath, gzPath) !== undefined;
}

/**
 * Builds the index of `gzPath` at `indexPath` (written to a temporary name, then renamed, so concurrent
 * builders and readers never see half a file). Takes ~30 s and ~1 GB of memory once.
 */
export function buildParaphraseIndex(gzPath: string, indexPath: string): { pairs: number; vocabulary: number; ms: number } {
  const t0 = performance.now();
  const text = gunzipSync(readFileSync(gzPath));
  const ids = new Map<string, number>();
  const words: string[] = [];
  const freq: number[] = [];
  let flat = new Int32Array(1 << 24);
  let used = 0;
  const push = (v: number): void => {
    if (used === flat.length) {
      const bigger = new Int32Array(flat.length * 2);
      bigger.set(flat);
      flat = bigger;
    }
    flat[used++] = v;
  };
  // Lines come in threes: probability (unused by the matcher), source phrase, target phrase.
  let pos = 0;
  let pairs = 0;
  const nextLine = (): string | undefined => {
    if (pos >= text.length) return undefined;
    let end = text.indexOf(10, pos);
    if (end < 0) end = text.length;
    const line = text.toString('utf8', pos, end);
    pos = end + 1;
    return line;
  };
  const pairStarts: number[] = [];
  const seen = new Set<number>();
  for (;;) {
    if (nextLine() === undefined) break;
    const src = (nextLine() ?? '').split(/[ \t\r\f]+/).filter((w) => w !== '');
    const tgt = (nextLine() ?? '').split(/[ \t\r\f]+/).filter((w) => w !== '');
    pairStarts.push(used);
    push(src.length);
    push(tgt.length);
    seen.clear();
    for (const w of [...src, ...tgt]) {
      let id = ids.get(w);
      if (id === undefined) {
        id = words.length;
        ids.set(w, id);
        words.push(w);
        freq.push(0);
      }
      push(id);
      if (!seen.has(id)) {
        seen.add(id);
        freq[id]++;
      }
    }
    pairs++;
  }

  // Sorted vocabulary (binary-searchable at load time); remap ids to sorted positions.
  const order = words.map((_, i) => i).sort((a, b) => (words[a] < words[b] ? -1 : words[a] > words[b] ? 1 : 0));
  const remap = new Int32Array(words.length);
  order.forEach((oldId, newId) => (remap[oldId] = newId));

  // Bucket every pair under its rarest word.
  const bucketOf = new Int32Array(pairs);
  const bucketInts = new Uint32Array(words.length + 1);
  for (let p = 0; p < pairs; p++) {
    const s = pairStarts[p];
    const n = flat[s] + flat[s + 1];
    let best = flat[s + 2];
    for (let k = 1; k < n; k++) {
      const id = flat[s + 2 + k];
      if (freq[id] < freq[best] || (freq[id] === freq[best] && remap[id] < remap[best])) best = id;
    }
    const b = remap[best];
    bucketOf[p] = b;
    bucketInts[b + 1] += 3 + n;
  }
  for (let b = 0; b < words.length; b++) bucketInts[b + 1] += bucketInts[b];
  const data = new Int32Array(bucketInts[words.length]);
  const fill = bucketInts.slice(0, words.length);
  for (let p = 0; p < pairs; p++) {
    const s = pairStarts[p];
    const n = flat[s] + flat[s + 1];
    let at = fill[bucketOf[p]];
    data[at++] = p;
    data[at++] = flat[s];
    data[at++] = flat[s + 1];
    for (let k = 0; k < n; k++) data[at++] = remap[flat[s + 2 + k]];
    fill[bucketOf[p]] = at;
  }

  const header: IndexHeader = {
    version: 1,
    source: sourceStamp(gzPath),
    pairs,
    vocabulary: words.length,
    dataInts: data.length,
  };
  const headerBuf = Buffer.from(JSON.stringify(header), 'utf8');
  const vocabBuf = Buffer.from(order.map((i) => words[i]).join('\n'), 'utf8');
  mkdirSync(dirname(indexPath), { recursive: true });
  const tmp = `${indexPath}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    let at = 0;
    const write = (buf: Uint8Array): void => {
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off, at + off);
      at += buf.length;
    };
    const pad = (): void => write(Buffer.alloc(align4(at) - at));
    const u32 = (v: number): Buffer => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v);
      return b;
    };
    write(Buffer.from(MAGIC, 'latin1'));
    write(u32(headerBuf.length));
    write(headerBuf);
    pad();
    write(u32(vocabBuf.length));
    write(vocabBuf);
    pad();
    write(new Uint8Array(bucketInts.buffer, bucketInts.byteOffset, bucketInts.byteLength));
    write(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, indexPath);
  return { pairs, vocabulary: words.length, ms: performance.now() - t0 };
}

/**
 * The pairs whose words all belong to `vocabulary`, in table order. Throws when the index is missing
 * or stale (build it with buildParaphraseIndex).
 */
export function loadParaphrasePairs(indexPath: string, gzPath: string, vocabulary: ReadonlySet<string>): ParaphrasePair[] {
  const found = readHeader(indexPath, gzPath);
  if (!found) throw new Error(`paraphrase index ${indexPath} is missing or older than ${gzPath}; build it first`);
  const { header } = found;
  const fd = openSync(indexPath, 'r');
  try {
    let at = found.bodyStart;
    const lenBuf = Buffer.alloc(4);
    readSync(fd, lenBuf, 0, 4, at);
    const vocabLen = lenBuf.readUInt32LE(0);
    const vocabBuf = Buffer.alloc(vocabLen);
    readSync(fd, vocabBuf, 0, vocabLen, at + 4);
    const words = vocabBuf.toString('utf8').split('\n');
    at = align4(at + 4 + vocabLen);
    const offsets = new Uint32Array(header.vocabulary + 1);
    readSync(fd, new Uint8Array(offsets.buffer), 0, offsets.byteLength, at);
    const dataStart = at + offsets.byteLength;

    const inVocab = new Uint8Array(header.vocabulary);
    const present: number[] = [];
    for (const w of vocabulary) {
      let lo = 0;
      let hi = words.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const m = words[mid];
        if (m === w) {
          inVocab[mid] = 1;
          present.push(mid);
          break;
        }
        if (m < w) lo = mid + 1;
        else hi = mid - 1;
      }
    }
    const pairs: ParaphrasePair[] = [];
    for (const id of present) {
      const n = offsets[id + 1] - offsets[id];
      if (n === 0) continue;
      const bucket = new Int32Array(n);
      readSync(fd, new Uint8Array(bucket.buffer), 0, n * 4, dataStart + offsets[id] * 4);
      for (let p = 0; p < n;) {
        const srcLen = bucket[p + 1];
        const len = srcLen + bucket[p + 2];
        let all = true;
        for (let k = 0; k < len; k++) {
          if (!inVocab[bucket[p + 3 + k]]) {
            all = false;
            break;
          }
        }
        if (all) {
          const ids = bucket.subarray(p + 3, p + 3 + len);
          pairs.push({
            index: bucket[p],
            source: Array.from(ids.subarray(0, srcLen), (i) => words[i]),
            target: Array.from(ids.subarray(srcLen), (i) => words[i]),
          });
        }
        p += 3 + len;
      }
    }
    return pairs.sort((a, b) => a.index - b.index);
  } finally {
    closeSync(fd);
  }
}
