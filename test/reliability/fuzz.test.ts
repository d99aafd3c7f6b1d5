/**
 * Bounded, seeded fuzzing of the manifest parsers (JSONL, CSV, COCO) and the image decoder from mutated
 * real files (the sample dataset's manifest and photos). Every case must end in a result or a clear,
 * coded refusal: a manifest parses (its issues carry known codes) or throws ManifestError; an image
 * decodes to well-formed pixels or throws StageInputError with a known code. No crash, no hang: the
 * synchronous parsers run in a worker thread that is ended when a case takes too long.
 * FUSECAP_FUZZ_SEED / FUSECAP_FUZZ_CASES change the seed and the count (defaults keep it under ~40 s).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeImage } from '../../lib/image.ts';
import { ModelThread } from '../../lib/model-thread.ts';
import { StageInputError } from '../../lib/errors.ts';
import { SAMPLE_DIR } from '../support/services.ts';
import type { ParseOutcome } from './fuzz-entry.ts';

const SEED = Number(process.env.FUSECAP_FUZZ_SEED ?? 20261201);
const CASES = Number(process.env.FUSECAP_FUZZ_CASES ?? 1500);
const TIME_BUDGET_MS = 20_000; // per target: stop early on a slow machine, and say how many ran
const CASE_TIMEOUT_MS = 5_000;

const MANIFEST_CODES = new Set(['bad_line', 'invalid_utf8', 'empty_caption', 'missing_field']);
const IMAGE_CODES = new Set(['empty_file', 'corrupt_image', 'unsupported_format', 'image_too_large', 'missing_file']);

/** mulberry32: small, seeded, the same sequence on every machine. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)] };
}
type Rng = ReturnType<typeof rng>;

const TOKENS = [
  '"',
  ',',
  '\n',
  '\r\n',
  '{',
  '}',
  '[',
  ']',
  ':',
  '\\',
  '\u0000',
  '..',
  '/',
  '"file":',
  '"captions":',
  'null',
  '1e999',
  '\uFEFF',
].map((t) => Buffer.from(t));

/** One to four edits: flip, insert bytes or tokens, delete, duplicate, truncate, splice another seed in. */
function mutate(r: Rng, input: Buffer, others: readonly Buffer[]): Buffer {
  let out = Buffer.from(input);
  const edits = 1 + r.int(4);
  for (let e = 0; e < edits; e++) {
    const at = r.int(out.length + 1);
    switch (r.int(8)) {
      case 0:
        if (out.length) out[Math.min(at, out.length - 1)] ^= 1 << r.int(8);
        break;
      case 1:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: 1 + r.int(16) }, () => r.int(256))), out.subarray(at)]);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), r.pick(TOKENS), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + 1 + r.int(64)))]);
        break;
      case 4: {
        const len = r.int(256);
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + len), out.subarray(at)]);
        break;
      }
      case 5:
        out = out.subarray(0, at);
        break;
      case 6: {
        const other = r.pick(others);
        const from = r.int(other.length + 1);
        out = Buffer.concat([out.subarray(0, at), other.subarray(from, from + r.int(512)), out.subarray(at)]);
        break;
      }
      default:
        out = Buffer.concat([out.subarray(0, at), Buffer.from([0xff, 0xfe, 0xc3]), out.subarray(at)]);
    }
  }
  return out;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`hang: ${what} took over ${ms} ms`)), ms))),
  ]);
}

/** Real seed files: the sample manifest, and the same entries as CSV and as COCO captions JSON. */
function manifestSeeds(): Record<'jsonl' | 'csv' | 'coco', Buffer> {
  const jsonl = readFileSync(join(SAMPLE_DIR, 'captions.jsonl'));
  const entries = jsonl
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { file: string; captions: string[] });
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const csv = ['file,caption', ...entries.flatMap((e) => e.captions.map((c) => `${quote(e.file)},${quote(c)}`))].join('\n') + '\n';
  const coco = {
    images: entries.map((e, i) => ({ id: i + 1, file_name: e.file })),
    annotations: entries.flatMap((e, i) => e.captions.map((caption, j) => ({ id: i * 100 + j, image_id: i + 1, caption }))),
  };
  return { jsonl, csv: Buffer.from(csv), coco: Buffer.from(JSON.stringify(coco, null, 1)) };
}

test('fuzzed manifests (JSONL, CSV, COCO): every case parses with coded issues or is refused by ManifestError; none crashes or hangs', async () => {
  const seeds = manifestSeeds();
  const all = Object.values(seeds);
  const dir = mkdtempSync(join(tmpdir(), 'fusecap-fuzz-'));
  const r = rng(SEED);
  const entry = new URL('./fuzz-entry.ts', import.meta.url);
  let parser = await ModelThread.start(entry, null, 'manifest fuzz');
  const counts = { cases: 0, parsed: 0, refused: 0 };
  const started = Date.now();
  try {
    for (let i = 0; i < CASES && Date.now() - started < TIME_BUDGET_MS; i++) {
      const format = r.pick(['jsonl', 'csv', 'coco'] as const);
      const bytes = mutate(r, seeds[format], all);
      const what = `manifest case ${i} (seed ${SEED}, ${format}, ${bytes.length} bytes)`;
      let outcome: ParseOutcome;
      try {
        outcome = (await withTimeout(
          parser.request('parse', {
            path: join(dir, `m.${format === 'coco' ? 'json' : format}`),
            format,
            bytes: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length),
          }),
          CASE_TIMEOUT_MS,
          what,
        )) as ParseOutcome;
      } catch (error) {
        await parser.terminate();
        parser = await ModelThread.start(entry, null, 'manifest fuzz');
        throw error;
      }
      counts.cases++;
      assert.notEqual(outcome.kind, 'crashed', `${what}: ${outcome.kind === 'crashed' ? outcome.message : ''}`);
      if (outcome.kind === 'refused') {
        counts.refused++;
        assert.ok(outcome.message.length > 0, `${what}: refusal says why`);
      } else if (outcome.kind === 'parsed') {
        counts.parsed++;
        assert.ok(outcome.wellFormed, `${what}: every entry has a file and string captions`);
        for (const code of outcome.codes) assert.ok(MANIFEST_CODES.has(code), `${what}: unknown issue code ${code}`);
      }
    }
  } finally {
    await parser.close('fuzz done');
  }
  console.log(
    `manifest fuzz: ${counts.cases} cases (seed ${SEED}) in ${Date.now() - started} ms: ${counts.parsed} parsed, ${counts.refused} refused`,
  );
  assert.ok(counts.cases >= Math.min(CASES, 200), `ran ${counts.cases} cases`);
});

test('fuzzed images: every case decodes to well-formed pixels or is a StageInputError with a known code', async () => {
  // Real photos, shrunk so each case decodes in milliseconds, in the formats sharp reads.
  const photos = ['dog.jpg', 'chelsea.png', 'page.png', 'beach_sign.jpg'];
  const seeds: Buffer[] = [];
  for (const [i, name] of photos.entries()) {
    const small = sharp(join(SAMPLE_DIR, 'images', name)).resize(48, 48, { fit: 'inside' });
    seeds.push(
      await [small.clone().jpeg(), small.clone().png(), small.clone().webp(), small.clone().gif(), small.clone().tiff()][i % 5].toBuffer(),
    );
    seeds.push(await small.clone().rotate(90).withMetadata({ orientation: 6 }).jpeg().toBuffer());
  }
  const r = rng(SEED + 1);
  const counts = { cases: 0, decoded: 0, refused: {} as Record<string, number> };
  const started = Date.now();
  for (let i = 0; i < CASES && Date.now() - started < TIME_BUDGET_MS; i++) {
    const bytes = mutate(r, r.pick(seeds), seeds);
    const what = `image case ${i} (seed ${SEED + 1}, ${bytes.length} bytes)`;
    counts.cases++;
    try {
      const image = await withTimeout(decodeImage(bytes), CASE_TIMEOUT_MS, what);
      assert.equal(image.data.length, image.width * image.height * 3, `${what}: pixel buffer matches its size`);
      counts.decoded++;
    } catch (error) {
      if (error instanceof Error && error.message.startsWith('hang:')) throw error;
      assert.ok(error instanceof StageInputError, `${what}: threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
      assert.ok(IMAGE_CODES.has(error.code), `${what}: unknown code ${error.code}`);
      counts.refused[error.code] = (counts.refused[error.code] ?? 0) + 1;
    }
  }
  console.log(
    `image fuzz: ${counts.cases} cases (seed ${SEED + 1}) in ${Date.now() - started} ms: ${counts.decoded} decoded, refused ${JSON.stringify(counts.refused)}`,
  );
  assert.ok(counts.cases >= Math.min(CASES, 200), `ran ${counts.cases} cases`);
});
