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
 * Each rate is the median of 5 timed rounds of at least S/5 seconds. The last line printed is one JSON object.
 */
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
  console.log(JSON.stringify(result));
}

await main();
