/**
 * Reads METEOR's word lists (function words, WordNet synsets and exceptions, non-breaking prefixes)
 * straight out of pycocoevalcap's meteor-1.5.jar, so the TypeScript scorer uses the very tables the jar
 * uses. A jar is a zip: find the entry in the central directory, inflate its data.
 */
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;

function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const n = readSync(fd, buf, 0, length, position);
  return buf.subarray(0, n);
}

/** The named entries of a zip file, decompressed. Throws naming the jar and the missing entry. */
export function readJarEntries(jarPath: string, names: readonly string[]): Map<string, Buffer> {
  const fd = openSync(jarPath, 'r');
  try {
    const size = fstatSync(fd).size;
    // The end-of-central-directory record sits in the last 22 bytes plus an optional comment (≤ 64 KiB).
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLength, tailLength);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new Error(`${jarPath} is not a zip/jar file (no end of central directory)`);
    const entries = tail.readUInt16LE(eocd + 10);
    const dirSize = tail.readUInt32LE(eocd + 12);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    const dir = readAt(fd, dirOffset, dirSize);
    const wanted = new Set(names);
    const found = new Map<string, Buffer>();
    let p = 0;
    for (let e = 0; e < entries && p < dir.length; e++) {
      if (dir.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new Error(`${jarPath}: corrupt central directory`);
      const method = dir.readUInt16LE(p + 10);
      const compressed = dir.readUInt32LE(p + 20);
      const nameLen = dir.readUInt16LE(p + 28);
      const extraLen = dir.readUInt16LE(p + 30);
      const commentLen = dir.readUInt16LE(p + 32);
      const localOffset = dir.readUInt32LE(p + 42);
      const name = dir.toString('utf8', p + 46, p + 46 + nameLen);
      p += 46 + nameLen + extraLen + commentLen;
      if (!wanted.has(name)) continue;
      const local = readAt(fd, localOffset, 30);
      const dataStart = localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      const raw = readAt(fd, dataStart, compressed);
      if (method === 0) found.set(name, raw);
      else if (method === 8) found.set(name, inflateRawSync(raw));
      else throw new Error(`${jarPath}: entry ${name} uses unsupported compression method ${method}`);
    }
    const missing = names.filter((n) => !found.has(n));
    if (missing.length > 0) throw new Error(`${jarPath} has no ${missing.join(', ')}; is it METEOR 1.5's jar?`);
    return found;
  } finally {
    closeSync(fd);
  }
}
