/**
 * Benchmark of the fuser: `npx tsx bench/fuse.ts [--seconds S]` (npm run bench:fuse).
 *
 * On the expert-output fixtures (test/fixtures/expert-outputs: the real experts' outputs on the sample
 * images), one core, one JS thread:
 * - captions/s of the grounded fuser (facts from expert outputs + rewrite), target ≥ 2,000/s;
 * - captions/s of the grounding check (parse a fused caption, check every claim);
 * - captions/s of the whole grounded backend as the stage runs it (fuse + check + policy);
 * - per caption, original vs fused: mean length in words, distinct nouns, distinct attributes, quoted
 *   texts (extractMentions), and the fused captions' mean grounding score.
 * Each rate is the median of 5 timed rounds of at least S/5 seconds.
 *
 * With the default GGUF installed (scripts/setup.sh) and not --no-llm, the LLM fusers on the first
 * --llm-captions N fixtures (default 8), each caption timed from request to parsed reply:
 * - `llama` in process: one caption at a time (parallel 1) vs N at once on one model (parallel 4);
 * - `openai` against a real llama-server: -np 1 with one request in flight vs -np 4 with four.
 * The last line printed is one JSON object with every figure.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LLAMA_MODEL, defaultModelInstalled, modelsDir } from '../experts/fuse/llama.ts';
import type { FuseOutput } from '../experts/types.ts';
import { startLlamaServer } from '../services/llama-server.ts';
import { configSchema } from '../config/schema.ts';
import { buildFacts } from '../experts/fuse/facts.ts';
import { groundedFuse } from '../experts/fuse/grounded.ts';
import { checkGrounding } from '../experts/fuse/grounding.ts';
import { createFuser } from '../experts/fuse/index.ts';
import { extractMentions } from '../lib/language/mentions.ts';
import { loadFixtures } from '../test/experts/fuse/fixtures.ts';

const ALL = { objects: true, attributes: true, ocr: true };

function parseSeconds(argv: string[]): number {
  const i = argv.indexOf('--seconds');
  if (i < 0) return 2.5;
  const s = Number(argv[i + 1]);
  if (!(s > 0 && s <= 600)) throw new Error(`--seconds must be a number in (0, 600], got ${argv[i + 1]}`);
  return s;
}

/** Median items/s over rounds; `once` processes all `n` items one time. */
async function rate(n: number, seconds: number, once: () => unknown | Promise<unknown>): Promise<number> {
  for (let i = 0; i < 50; i++) await once(); // warm-up: JIT, regex caches
  const rates: number[] = [];
  for (let round = 0; round < 5; round++) {
    let items = 0;
    const start = performance.now();
    let elapsed = 0;
    while (elapsed < (seconds * 1000) / 5) {
      await once();
      items += n;
      elapsed = performance.now() - start;
    }
    rates.push((items / elapsed) * 1000);
  }
  rates.sort((a, b) => a - b);
  return rates[2];
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

async function main(): Promise<void> {
  const seconds = parseSeconds(process.argv.slice(2));
  const fixtures = loadFixtures();
  if (fixtures.length === 0) throw new Error('no expert-output fixtures: run npx tsx scripts/make-expert-fixtures.ts');
  const originals = fixtures.map((f) => f.captions[0]);
  const factsList = fixtures.map((f) => buildFacts(f, ALL));
  const fusedList = fixtures.map((f, i) => groundedFuse(originals[i], factsList[i]));
  const { fuse: config } = configSchema.parse({});
  const fuser = createFuser(config);

  const fuseRate = await rate(fixtures.length, seconds, () => {
    for (let i = 0; i < fixtures.length; i++) groundedFuse(originals[i], buildFacts(fixtures[i], ALL));
  });
  const checkRate = await rate(fixtures.length, seconds, () => {
    for (let i = 0; i < fixtures.length; i++) checkGrounding(fusedList[i], { original: originals[i], facts: factsList[i] });
  });
  const backendRate = await rate(fixtures.length, seconds, async () => {
    for (const f of fixtures) await fuser.fuse({ original: f.captions[0], detect: f.detect, attributes: f.attributes, ocr: f.ocr });
  });

  const stats = (captions: string[]) => {
    const m = captions.map(extractMentions);
    return {
      words: round(mean(captions.map((c) => c.split(/\s+/).filter(Boolean).length))),
      nouns: round(mean(m.map((x) => x.nouns.length))),
      attributes: round(mean(m.map((x) => x.attributes.length))),
      quotedTexts: round(mean(m.map((x) => x.quotedTexts.length))),
    };
  };
  const scores = fusedList.map((c, i) => checkGrounding(c, { original: originals[i], facts: factsList[i] }).score);
  const result = {
    bench: 'fuse',
    captions: fixtures.length,
    groundedFuserCaptionsPerSec: Math.round(fuseRate),
    groundingCheckCaptionsPerSec: Math.round(checkRate),
    groundedBackendCaptionsPerSec: Math.round(backendRate),
    original: stats(originals),
    fused: stats(fusedList),
    meanGroundingScore: round(mean(scores), 3),
    unchanged: fusedList.filter((c, i) => c === originals[i]).length,
  };
  console.log(`fixtures: ${fixtures.length} sample images (real expert outputs), ${seconds} s per rate`);
  console.log(`grounded fuser: ${result.groundedFuserCaptionsPerSec} captions/s (target ≥ 2000)`);
  console.log(`grounding check: ${result.groundingCheckCaptionsPerSec} captions/s`);
  console.log(`grounded backend (fuse + check + policy): ${result.groundedBackendCaptionsPerSec} captions/s`);
  for (const k of ['words', 'nouns', 'attributes', 'quotedTexts'] as const) {
    console.log(`${k} per caption: original ${result.original[k]} → fused ${result.fused[k]}`);
  }
  console.log(`mean grounding score of fused captions: ${result.meanGroundingScore}; unchanged (experts saw nothing): ${result.unchanged}`);
  const llm = process.argv.includes('--no-llm') ? null : await llmFigures(fixtures, llmCaptions(process.argv.slice(2)));
  console.log(JSON.stringify({ ...result, llm }));
}

function llmCaptions(argv: string[]): number {
  const i = argv.indexOf('--llm-captions');
  const n = i < 0 ? 8 : Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--llm-captions must be a positive integer, got ${argv[i + 1]}`);
  return n;
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

interface LlmRun {
  captionsPerSec: number;
  p50Ms: number;
  p95Ms: number;
  decisions: Record<string, number>;
  /** Per fixture, in fixture order: to compare the text two settings wrote for the same facts. */
  captions: string[];
}

/** Fuses the fixtures with `inFlight` requests at a time; the model is loaded (and warmed) before timing. */
async function timeFuser(fuserConfig: unknown, fixtures: ReturnType<typeof loadFixtures>, inFlight: number): Promise<LlmRun> {
  const fuser = createFuser(configSchema.parse({ fuse: fuserConfig }).fuse);
  try {
    await fuser.load();
    // One warm-up request per lane, so every sequence / slot holds the evaluated system prompt.
    const warm = fixtures[0];
    await Promise.all(
      Array.from({ length: inFlight }, () =>
        fuser.fuse({ original: warm.captions[0], detect: warm.detect, attributes: warm.attributes, ocr: warm.ocr }),
      ),
    );
    const latencies: number[] = [];
    const outputs: FuseOutput[] = [];
    let next = 0;
    const start = performance.now();
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < fixtures.length) {
          const i = next++;
          const f = fixtures[i];
          const t0 = performance.now();
          outputs[i] = await fuser.fuse({ original: f.captions[0], detect: f.detect, attributes: f.attributes, ocr: f.ocr });
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - start) / 1000;
    const decisions: Record<string, number> = {};
    for (const o of outputs) decisions[o.decision] = (decisions[o.decision] ?? 0) + 1;
    return {
      captionsPerSec: round(fixtures.length / seconds, 3),
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      decisions,
      captions: outputs.map((o) => o.caption),
    };
  } finally {
    await fuser.dispose();
  }
}

async function llmFigures(all: ReturnType<typeof loadFixtures>, n: number) {
  if (!defaultModelInstalled()) {
    console.log('LLM fusers: skipped, the default GGUF is not installed (bash scripts/setup.sh)');
    return null;
  }
  const fixtures = all.slice(0, n);
  const show = (name: string, r: LlmRun) =>
    console.log(`${name}: ${r.captionsPerSec} captions/s, p50 ${r.p50Ms} ms, p95 ${r.p95Ms} ms, decisions ${JSON.stringify(r.decisions)}`);
  const single = await timeFuser({ backend: 'llama', llama: { parallel: 1 } }, fixtures, 1);
  show('llama in process, one at a time', single);
  const batched = await timeFuser({ backend: 'llama', llama: { parallel: 4 } }, fixtures, 4);
  show('llama in process, 4 parallel sequences', batched);
  console.log(`llama batched / one at a time: ${round(batched.captionsPerSec / single.captionsPerSec)}× (target ≥ 1.5×)`);
  // Greedy decoding should not depend on what else is in the batch; count where it did.
  const sameText = single.captions.filter((c, i) => c === batched.captions[i]).length;
  console.log(`captions word for word the same with 4 sequences as with 1: ${sameText} of ${fixtures.length}`);
  const llama = {
    llamaSingle: single,
    llamaParallel4: batched,
    llamaSpeedup: round(batched.captionsPerSec / single.captionsPerSec),
    sameText,
  };
  const model = join(modelsDir(), DEFAULT_LLAMA_MODEL.file);
  const logDir = mkdtempSync(join(tmpdir(), 'fusecap-bench-server-'));
  const server = async (np: number): Promise<LlmRun> => {
    const s = await startLlamaServer({ model, parallel: np, logDir });
    try {
      const openai = { baseUrl: s.baseUrl, model: 'default', temperature: 0, maxTokens: 256, timeoutMs: 600_000, concurrency: np };
      return await timeFuser({ backend: 'openai', openai }, fixtures, np);
    } finally {
      await s.stop();
    }
  };
  try {
    const server1 = await server(1);
    show('llama-server -np 1, 1 in flight', server1);
    const server4 = await server(4);
    show('llama-server -np 4, 4 in flight', server4);
    console.log(`llama-server 4 / 1: ${round(server4.captionsPerSec / server1.captionsPerSec)}×`);
    return {
      captions: fixtures.length,
      ...llama,
      serverNp1: server1,
      serverNp4: server4,
      serverSpeedup: round(server4.captionsPerSec / server1.captionsPerSec),
    };
  } catch (error) {
    // The PyPI llama-server build needs AVX-512/AMX; on other CPUs it dies at start (SIGILL).
    const reason = (error as Error).message.split('\n').slice(0, 2).join(' ').trim();
    console.log(`llama-server: not measured: ${reason}`);
    return { captions: fixtures.length, ...llama, server: `not measured: ${reason}` };
  }
}

await main();
