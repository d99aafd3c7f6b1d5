/**
 * Benchmark of the vision experts on this machine:
 * `npx tsx bench/experts.ts [--repeat N] [--threads N] [--detect-threads N] [--detect-in-process]`.
 *
 * Measures, on the sample dataset's images plus the OCR test set's rendered text images:
 * - detect alone per backend (CenterNet, NanoDet) and runtime (onnx, tfjs): ms per image (p50, p95),
 *   in process, one thread;
 * - then, twice — with the default detect config (runtime onnx) and with the tfjs runtime in its former
 *   default arrangement (2 detector worker threads) — the following, and their ratio:
 * - ms per image (p50, p95) for detect, attributes and ocr, each run alone;
 * - images/s for the three together, (a) one after another in one lane, each call awaited before the
 *   next starts, (b) pipelined in two lanes, the arrangement a 2-core vision worker uses: a vision lane
 *   that keeps one detection in flight per detector thread (config detect.threads) and runs attributes
 *   on the main thread as detections arrive, beside an OCR lane whose reads run in the OCR thread.
 *   Both use the same expert instances with the same settings;
 * - decode per image for the three vision stages: each decoding the file itself vs the shared decode;
 * - maximum resident memory (RSS) of the process with all models loaded (the onnx arrangement runs first,
 *   in a fresh process; the tfjs one after it, so its figure includes what the first left behind);
 * - Python RapidOCR (rapidocr-onnxruntime, same PP-OCR family) on the same images with the same thread
 *   count, run twice: with our model files (the configured set) and detector size limit (like for like), and with its defaults
 *   (its bundled PP-OCRv4 det/rec + v2.0 cls, shorter side raised to 736).
 *
 * The machine is shared: wall times are noisy. Sequential and pipelined runs alternate so load changes
 * hit both; each figure is the median over the repeats. The last line printed is one JSON object.
 * --detect-threads / --detect-in-process change the onnx arrangement only (to compare arrangements).
 */
import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { configSchema, type FusecapConfig } from '../config/schema.ts';
import { createOcr } from '../experts/ocr/index.ts';
import { defaultModelDir, paddleFiles } from '../experts/ocr/model-files.ts';
import type { PaddleModelName } from '../experts/ocr/model-ref.ts';
import type { AttributesOutput, DetectOutput, ModelRef, OcrOutput } from '../experts/types.ts';
import { DecodedImageCache } from '../lib/decoded-images.ts';
import { decodeImage, type DecodedImage } from '../lib/image.ts';
import { renderTextCases } from '../test/experts/ocr/rendered-text.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SAMPLE_DIR = path.join(ROOT, 'data/sample/images');
/** OCR reads in flight in the pipelined run (they queue inside the OCR thread). */
const OCR_WINDOW = 4;

interface Args {
  repeat: number;
  threads: number;
  detectThreads: number | null;
  detectInProcess: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { repeat: 3, threads: 1, detectThreads: null, detectInProcess: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = Number(argv[i + 1]);
    if (flag === '--detect-in-process') {
      args.detectInProcess = true;
    } else if (flag === '--repeat' || flag === '--threads' || flag === '--detect-threads') {
      if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer, got ${argv[i + 1]}`);
      if (flag === '--detect-threads') args.detectThreads = value;
      else args[flag === '--repeat' ? 'repeat' : 'threads'] = value;
      i++;
    } else throw new Error(`unknown argument ${flag}; allowed: --repeat N, --threads N, --detect-threads N, --detect-in-process`);
  }
  return args;
}

interface BenchImage {
  name: string;
  file: string; // on disk, for RapidOCR
  image: DecodedImage;
  text: boolean; // holds text (rendered, signs, book page)
}

interface DetectorLike {
  model: ModelRef;
  detect(image: DecodedImage): Promise<DetectOutput>;
  dispose(): Promise<void>;
}
interface AttributesLike {
  model: ModelRef;
  describe(image: DecodedImage, detections: DetectOutput): Promise<AttributesOutput>;
  dispose(): Promise<void>;
}

/** Loads an expert written alongside this one, or explains why it is absent from the figures. */
async function optionalExpert<T>(relative: string, factory: string, options: unknown): Promise<{ expert: T | null; note: string }> {
  const file = path.join(ROOT, relative);
  if (!existsSync(file)) return { expert: null, note: `${relative} does not exist yet` };
  const mod = (await import(new URL(`../${relative}`, import.meta.url).href)) as Record<string, unknown>;
  const create = mod[factory];
  if (typeof create !== 'function') return { expert: null, note: `${relative} does not export ${factory}` };
  return { expert: (await (create as (o: unknown) => Promise<T>)(options)) as T, note: 'loaded' };
}

function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = values.slice().sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

function median(values: readonly number[]): number {
  return percentile(values, 50);
}

const round = (v: number, digits = 1): number => Math.round(v * 10 ** digits) / 10 ** digits;

/** Max RSS, sampled by a timer and after every model call (the timer cannot fire while tfjs runs). */
let maxRss = 0;
function sampleRss(): void {
  maxRss = Math.max(maxRss, process.memoryUsage().rss);
}

async function loadImages(dir: string): Promise<BenchImage[]> {
  const images: BenchImage[] = [];
  const files = (await readdir(SAMPLE_DIR)).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort();
  for (const f of files) {
    const file = path.join(SAMPLE_DIR, f);
    images.push({ name: f, file, image: await decodeImage(file), text: /^(sign_|beach_sign|page)/.test(f) });
  }
  for (const c of await renderTextCases()) {
    const file = path.join(dir, `${c.name}.png`);
    await writeFile(file, c.png);
    images.push({ name: `rendered/${c.name}`, file, image: await decodeImage(c.png), text: true });
  }
  return images;
}

/**
 * How many cores this process can get right now: main thread and one worker thread both spin for
 * `ms`; CPU time / wall time is ~2 on an idle 2-core machine and ~1 when other processes hold a core.
 */
async function coresAvailable(ms = 1000): Promise<number> {
  const spin = `const stop = Date.now() + ${ms}; let x = 0; while (Date.now() < stop) x += Math.sqrt(x + 1);`;
  const cpu = process.cpuUsage();
  const t = performance.now();
  const worker = new Worker(spin, { eval: true });
  const done = new Promise((resolve) => worker.once('exit', resolve));
  const stop = Date.now() + ms;
  let x = 0;
  while (Date.now() < stop) x += Math.sqrt(x + 1);
  await done;
  if (!Number.isFinite(x)) throw new Error('spin overflowed'); // keeps the loop from being optimised away
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / 1000 / (performance.now() - t);
}

function runRapidOcr(files: string[], threads: number, repeat: number, matched: PaddleModelName | null): Record<string, unknown> {
  const python = path.join(ROOT, '.venv/bin/python');
  if (!existsSync(python)) return { error: `${python} missing: create the virtualenv with rapidocr-onnxruntime` };
  const args = [path.join(ROOT, 'bench/rapidocr_bench.py'), '--threads', String(threads), '--repeat', String(repeat)];
  if (matched) {
    const set = paddleFiles(matched);
    args.push('--models', defaultModelDir(matched), '--max-side', '960');
    args.push('--det', set.det, '--rec', set.rec, '--cls', set.cls, '--keys', set.keys);
  }
  const result = spawnSync(python, [...args, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const lastLine = result.stdout.trim().split('\n').at(-1) ?? '';
  if (result.status !== 0 || !lastLine.startsWith('{')) {
    return { error: `rapidocr_bench.py exited ${result.status}: ${result.stderr.trim().split('\n').slice(-3).join(' | ')}` };
  }
  return JSON.parse(lastLine) as Record<string, unknown>;
}

type DetectConfig = FusecapConfig['detect'];

const stats = (values: number[]): { p50: number; p95: number; n: number } => ({
  p50: round(median(values)),
  p95: round(percentile(values, 95)),
  n: values.length,
});
const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

/** Detect alone, in process, one thread, every image `repeat` times: what one detection costs. */
async function detectAlone(images: BenchImage[], repeat: number): Promise<Record<string, unknown>> {
  const { createDetector } = await import('../experts/detect/index.ts');
  const out: Record<string, unknown> = {};
  for (const backend of ['centernet', 'nanodet'] as const) {
    for (const runtime of ['onnx', 'tfjs'] as const) {
      const detector = await createDetector({ backend, runtime, onnxThreads: 1 });
      for (const b of images.slice(0, 2)) await detector.detect(b.image);
      const ms: number[] = [];
      for (let r = 0; r < repeat; r++) {
        for (const b of images) {
          const t = performance.now();
          await detector.detect(b.image);
          ms.push(performance.now() - t);
          sampleRss();
        }
      }
      out[`${backend}/${runtime}`] = { model: detector.model, ...stats(ms) };
      await detector.dispose();
    }
  }
  return out;
}

interface Arrangement {
  detect: Record<string, unknown>;
  attributes: Record<string, unknown>;
  ocr: { model: ModelRef; all: ReturnType<typeof stats>; textImagesUpTo10Lines: ReturnType<typeof stats> };
  ocrAloneMs: number;
  lines: Map<string, number>;
  together: Record<string, unknown> & { sequentialImagesPerSecond: number; pipelinedImagesPerSecond: number; speedup: number };
  memory: { rssBeforeModelsMB: number; rssModelsLoadedMB: number; rssMaxMB: number };
  detectP50: number;
  ocrTextP50: number;
}

/**
 * The three experts with one detect config: each alone, then together one after another and in the
 * two-lane arrangement a 2-core vision worker uses.
 */
async function arrangement(images: BenchImage[], config: FusecapConfig, args: Args): Promise<Arrangement> {
  maxRss = process.memoryUsage().rss;
  const rssBeforeModels = process.memoryUsage().rss;
  const detect = await optionalExpert<DetectorLike>('experts/detect/index.ts', 'createDetector', config.detect);
  const attributes = await optionalExpert<AttributesLike>('experts/attributes/index.ts', 'createAttributeRecognizer', config.attributes);
  const ocr = await createOcr({ ...config.ocr, threads: args.threads });
  const rssModelsLoaded = process.memoryUsage().rss;
  const det = detect.expert;
  const attr = attributes.expert;
  try {
    // Warm-up: first calls compile wasm kernels and allocate onnxruntime arenas.
    for (const b of images.slice(0, 2)) {
      const d = det ? await det.detect(b.image) : null;
      if (attr && d) await attr.describe(b.image, d);
      await ocr.read(b.image);
    }

    // 1. Each expert alone.
    const ms = { detect: [] as number[], attributes: [] as number[], ocr: [] as number[], ocrText: [] as number[] };
    const lines = new Map<string, number>();
    let ocrAloneTotal = 0;
    for (let r = 0; r < args.repeat; r++) {
      for (const b of images) {
        let detections: DetectOutput | null = null;
        if (det) {
          const t = performance.now();
          detections = await det.detect(b.image);
          ms.detect.push(performance.now() - t);
          sampleRss();
        }
        if (attr && detections) {
          const t = performance.now();
          await attr.describe(b.image, detections);
          ms.attributes.push(performance.now() - t);
          sampleRss();
        }
        const t = performance.now();
        const out: OcrOutput = await ocr.read(b.image);
        const dt = performance.now() - t;
        ocrAloneTotal += dt;
        ms.ocr.push(dt);
        if (b.text && out.lines.length <= 10) ms.ocrText.push(dt);
        lines.set(b.name, out.lines.length);
        sampleRss();
      }
    }

    // 2. All three: one lane vs two lanes, alternating.
    const sequentialRates: number[] = [];
    const pipelinedRates: number[] = [];
    // Cores this process kept busy (CPU time / wall time, all its threads): shows whether a slow run was
    // our arrangement or other processes taking the CPUs.
    const sequentialCores: number[] = [];
    const pipelinedCores: number[] = [];
    const coresSince = (cpu: NodeJS.CpuUsage, wallMs: number): number => {
      const used = process.cpuUsage(cpu);
      return (used.user + used.system) / 1000 / wallMs;
    };
    // Detect runs in worker threads (config detect.workerThread, detect.threads): detections are requested
    // ahead, one per detector thread, so every thread has an image while this image's attributes run on
    // the main thread — as the worker's two vision activity slots keep both detector threads fed.
    const detectAhead = config.detect.workerThread ? config.detect.threads : 1;
    const visionLane = async (): Promise<void> => {
      if (!det) return;
      const pending: Promise<DetectOutput>[] = [];
      const ask = (): void => {
        if (pending.length < images.length) pending.push(det.detect(images[pending.length].image));
      };
      for (let k = 0; k < detectAhead; k++) ask();
      for (let i = 0; i < images.length; i++) {
        const d = await pending[i];
        ask();
        if (attr) await attr.describe(images[i].image, d);
        sampleRss();
      }
    };
    // The OCR lane keeps OCR_WINDOW reads in flight: attributes' face models (tfjs) block this JS thread
    // for up to a few hundred ms, and a lane that posted its next read only after the previous answer
    // would leave the OCR thread idle meanwhile.
    const ocrLane = async (): Promise<void> => {
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < images.length) {
          await ocr.read(images[next++].image);
          sampleRss();
        }
      };
      await Promise.all(Array.from({ length: OCR_WINDOW }, worker));
    };
    const coresBefore = await coresAvailable();
    for (let r = 0; r < args.repeat; r++) {
      let t = performance.now();
      let cpu = process.cpuUsage();
      for (const b of images) {
        if (det) {
          const d = await det.detect(b.image);
          if (attr) await attr.describe(b.image, d);
        }
        await ocr.read(b.image);
        sampleRss();
      }
      sequentialRates.push(images.length / ((performance.now() - t) / 1000));
      sequentialCores.push(coresSince(cpu, performance.now() - t));
      t = performance.now();
      cpu = process.cpuUsage();
      await Promise.all([visionLane(), ocrLane()]);
      pipelinedRates.push(images.length / ((performance.now() - t) / 1000));
      pipelinedCores.push(coresSince(cpu, performance.now() - t));
    }
    const coresAfter = await coresAvailable();

    const seq = median(sequentialRates);
    const pipe = median(pipelinedRates);
    // What the arrangement can gain at best: per image, the cores share all the work, the detector threads
    // share detect, attributes has the main thread and OCR its one thread; the busiest of these sets the pace.
    // In process, detect shares the main thread with attributes.
    const perImage = (values: number[]): number => sum(values) / (images.length * args.repeat);
    const detectMs = perImage(ms.detect);
    const attributesMs = perImage(ms.attributes);
    const ocrMs = perImage(ms.ocr);
    const workMs = detectMs + attributesMs + ocrMs;
    const cores = os.availableParallelism();
    const mainThreadMs = config.detect.workerThread ? attributesMs : attributesMs + detectMs;
    const bound = workMs / Math.max(workMs / cores, config.detect.workerThread ? detectMs / detectAhead : 0, mainThreadMs, ocrMs);
    return {
      detect: det ? { model: det.model, ...stats(ms.detect) } : { skipped: detect.note },
      attributes: attr ? { model: attr.model, ...stats(ms.attributes) } : { skipped: attributes.note },
      ocr: { model: ocr.model, all: stats(ms.ocr), textImagesUpTo10Lines: stats(ms.ocrText) },
      ocrAloneMs: ocrAloneTotal,
      lines,
      together: {
        stages: [det && 'detect', attr && 'attributes', 'ocr'].filter(Boolean),
        detectRuntime: config.detect.runtime,
        detectWorkerThread: config.detect.workerThread,
        sequentialImagesPerSecond: round(seq, 2),
        pipelinedImagesPerSecond: round(pipe, 2),
        speedup: round(pipe / seq, 2),
        detectThreads: detectAhead,
        msPerImage: { detect: round(detectMs), attributes: round(attributesMs), ocr: round(ocrMs) },
        speedupBound: round(bound, 2),
        sequentialRuns: sequentialRates.map((v) => round(v, 2)),
        pipelinedRuns: pipelinedRates.map((v) => round(v, 2)),
        sequentialCoresBusy: sequentialCores.map((v) => round(v, 2)),
        pipelinedCoresBusy: pipelinedCores.map((v) => round(v, 2)),
        loadAverage1m: round(os.loadavg()[0], 2),
        coresAvailableBeforeAfter: [round(coresBefore, 2), round(coresAfter, 2)],
      },
      memory: {
        rssBeforeModelsMB: round(rssBeforeModels / 2 ** 20, 0),
        rssModelsLoadedMB: round(rssModelsLoaded / 2 ** 20, 0),
        rssMaxMB: round(maxRss / 2 ** 20, 0),
      },
      detectP50: median(ms.detect),
      ocrTextP50: median(ms.ocrText),
    };
  } finally {
    await ocr.dispose();
    await attr?.dispose();
    await det?.dispose();
  }
}

function showArrangement(name: string, a: Arrangement): void {
  const t = a.together;
  const ms = t.msPerImage as { detect: number; attributes: number; ocr: number };
  const det = a.detect as { p50?: number; p95?: number };
  const attr = a.attributes as { p50?: number; p95?: number };
  const median2 = (v: unknown): number => round(median(v as number[]), 2);
  console.log(`[${name}] detect p50 ${det.p50} ms, p95 ${det.p95} ms; attributes p50 ${attr.p50} ms, p95 ${attr.p95} ms`);
  console.log(
    `[${name}] ocr p50 ${a.ocr.all.p50} ms, p95 ${a.ocr.all.p95} ms (text images ≤10 lines: p50 ${a.ocr.textImagesUpTo10Lines.p50} ms)`,
  );
  console.log(
    `[${name}] together ${t.sequentialImagesPerSecond} img/s one lane, ${t.pipelinedImagesPerSecond} img/s two lanes (×${t.speedup}; ` +
      `${ms.detect} ms detect on ${t.detectThreads} ${t.detectWorkerThread ? 'worker thread(s)' : 'main thread'}, ${ms.attributes} ms attributes, ` +
      `${ms.ocr} ms ocr per image bound the gain to ×${t.speedupBound}; cores busy ${median2(t.sequentialCoresBusy)} vs ` +
      `${median2(t.pipelinedCoresBusy)} with ${(t.coresAvailableBeforeAfter as number[]).join('/')} cores available before/after ` +
      `(2-thread spin test), load average ${t.loadAverage1m}); rss max ${a.memory.rssMaxMB} MB`,
  );
}

/**
 * What decoding costs the three vision stages per image: each stage decoding the file itself (as before
 * lib/decoded-images.ts) vs the shared decode they use now (one decode, two cache hits).
 */
async function decodeCost(files: string[], repeat: number): Promise<{ perStageMs: number; sharedMs: number; saved: number }> {
  let perStage = 0;
  let shared = 0;
  for (let r = 0; r < repeat; r++) {
    for (const file of files) {
      const t0 = performance.now();
      for (let stage = 0; stage < 3; stage++) await decodeImage(file);
      perStage += performance.now() - t0;
      const cache = new DecodedImageCache(256 * 1024 * 1024);
      const t1 = performance.now();
      await Promise.all([cache.get(file), cache.get(file)]); // detect and ocr, same level
      await cache.get(file); // attributes, after detect
      shared += performance.now() - t1;
    }
  }
  const n = files.length * repeat;
  return { perStageMs: round(perStage / n), sharedMs: round(shared / n), saved: round((perStage - shared) / n) };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const defaults = configSchema.parse({});
  // The default detect config (runtime onnx), optionally re-arranged from the command line, and the
  // tfjs runtime in the arrangement that was its default: two detector worker threads.
  const onnxConfig: FusecapConfig = {
    ...defaults,
    detect: {
      ...defaults.detect,
      runtime: 'onnx',
      threads: args.detectThreads ?? defaults.detect.threads,
      workerThread: args.detectInProcess ? false : defaults.detect.workerThread,
    },
  };
  const tfjsDetect: DetectConfig = { ...defaults.detect, runtime: 'tfjs', workerThread: true, threads: 2 };
  const tfjsConfig: FusecapConfig = { ...defaults, detect: tfjsDetect };
  const timer = setInterval(sampleRss, 20);
  const tmp = await mkdtemp(path.join(tmpdir(), 'fusecap-bench-'));
  try {
    const images = await loadImages(tmp);
    // Each part prints as soon as it is measured: a long run that fails late still leaves its figures.
    const onnx = await arrangement(images, onnxConfig, args);
    showArrangement('onnx', onnx);
    const alone = await detectAlone(images, args.repeat);
    for (const [name, figures] of Object.entries(alone)) {
      const f = figures as { p50: number; p95: number };
      console.log(`detect alone ${name.padEnd(15)} p50 ${f.p50} ms, p95 ${f.p95} ms (in process, one thread)`);
    }
    const tfjs = await arrangement(images, tfjsConfig, args);
    showArrangement('tfjs', tfjs);

    // 3. RapidOCR on the same files, same thread count.
    const files = images.map((b) => b.file);
    const rapidMatched = runRapidOcr(files, args.threads, args.repeat, defaults.ocr.model);
    const rapidDefault = runRapidOcr(files, args.threads, args.repeat, null);
    const ourOcrRate = (images.length * args.repeat) / (onnx.ocrAloneMs / 1000);
    const ratio = (rapid: Record<string, unknown>): number | null =>
      typeof rapid.imagesPerSecond === 'number' ? round(ourOcrRate / rapid.imagesPerSecond, 2) : null;

    const decode = await decodeCost(files, args.repeat);
    console.log(
      `decode per image, three vision stages: ${decode.perStageMs} ms decoding in each stage vs ${decode.sharedMs} ms shared (saves ${decode.saved} ms)`,
    );

    const onnxVsTfjs = onnx.together.pipelinedImagesPerSecond / tfjs.together.pipelinedImagesPerSecond;
    const centernetOnnx = alone['centernet/onnx'] as { p50: number };
    const summary = {
      machine: { cpus: os.cpus().length, node: process.version, note: 'shared 2-core machine: wall times are noisy' },
      images: images.length,
      repeat: args.repeat,
      ocrThreads: args.threads,
      detectAlone: alone,
      experts: { detect: onnx.detect, attributes: onnx.attributes, ocr: onnx.ocr },
      together: onnx.together,
      memory: onnx.memory,
      tfjsRuntime: { experts: { detect: tfjs.detect, attributes: tfjs.attributes }, together: tfjs.together, memory: tfjs.memory },
      onnxVsTfjsTogether: round(onnxVsTfjs, 2),
      decodePerImageMs: decode,
      rapidocr: {
        ourImagesPerSecond: round(ourOcrRate, 2),
        matched: { ...omitTexts(rapidMatched), ratio: ratio(rapidMatched) },
        default: { ...omitTexts(rapidDefault), ratio: ratio(rapidDefault) },
      },
      targets: {
        centernetOnnxP50AtMost40ms: centernetOnnx.p50 <= 40,
        onnxVsTfjsTogetherAtLeast1_8: onnxVsTfjs >= 1.8,
        detectP50AtMost200ms: onnx.detectP50 <= 200,
        ocrP50AtMost150ms: onnx.ocrTextP50 <= 150,
        speedupAtLeast1_6: onnx.together.speedup >= 1.6,
        rssAtMost1_5GB: onnx.memory.rssMaxMB <= 1.5 * 1024,
        rapidocrRatioAtLeast1: (ratio(rapidMatched) ?? 0) >= 1,
      },
    };

    console.log('image lines read by ocr:', JSON.stringify(Object.fromEntries(onnx.lines)));
    console.log(
      `onnx vs tfjs runtime, three experts together: ${onnx.together.pipelinedImagesPerSecond} vs ` +
        `${tfjs.together.pipelinedImagesPerSecond} img/s = ×${round(onnxVsTfjs, 2)}`,
    );
    console.log(
      `rapidocr   ours ${round(ourOcrRate, 2)} img/s; ratio like-for-like ${ratio(rapidMatched)}, vs its defaults ${ratio(rapidDefault)}`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    clearInterval(timer);
    await rm(tmp, { recursive: true, force: true });
  }
}

function omitTexts(r: Record<string, unknown>): Record<string, unknown> {
  const { texts: _texts, ms: perImage, ...rest } = r;
  if (Array.isArray(perImage)) {
    const values = perImage as number[];
    return { ...rest, p50: round(median(values)), p95: round(percentile(values, 95)) };
  }
  return rest;
}

await main();
