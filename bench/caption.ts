/**
 * Captions per second of the Node ONNX captioner against PyTorch on the same checkpoint, the same images
 * and the same thread count, greedy and beam 3 (max length 60, prompt "a picture of "). PyTorch runs
 * twice: `own` (the trainer's decoding.py — the same algorithm as the Node side, no KV cache) and `hf`
 * (transformers' `generate`, with its KV cache). Each side warms up once, then the median of --repeat
 * timed runs counts. The headline figures time the model and the decoding on pre-processed pixels on
 * both sides (PyTorch pre-processes before its timer starts); Node's resize + normalise (pure JS,
 * Pillow-exact) is timed on its own and reported as `node_preprocess_ms_per_image`.
 *
 *   npm run bench:caption -- [--checkpoint DIR --export DIR] [--threads 2] [--repeat 3] [--batch 8]
 *
 * Without --checkpoint/--export it trains (once, cached) the tiny model the tests use. The last line
 * printed is one JSON object with the figures.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createOnnxCaptioner } from '../captioner/onnx-captioner.ts';
import { TRAINER_PACKAGE_ROOT } from '../captioner/train-process.ts';
import { decodeImage } from '../lib/image.ts';
import { PYTHON, SAMPLE_IMAGES, tinyModel } from '../test/trainer/fixture.ts';

const { values } = parseArgs({
  options: {
    checkpoint: { type: 'string' },
    export: { type: 'string' },
    threads: { type: 'string', default: '2' },
    repeat: { type: 'string', default: '3' },
    batch: { type: 'string', default: '8' },
  },
});
const threads = Number(values.threads);
const repeat = Math.max(1, Number(values.repeat));
const batch = Number(values.batch);
if ((values.checkpoint === undefined) !== (values.export === undefined)) throw new Error('give both --checkpoint and --export, or neither');
const { checkpoint, exportDir } = values.checkpoint ? { checkpoint: values.checkpoint, exportDir: values.export! } : tinyModel();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function pytorch(beams: number, impl: 'own' | 'hf'): { seconds: number; tokens: number[][] } {
  const out = execFileSync(
    PYTHON,
    [
      '-m',
      'fusecap_trainer',
      'generate',
      '--checkpoint',
      checkpoint,
      '--images',
      ...SAMPLE_IMAGES,
      '--beams',
      String(beams),
      '--max-length',
      '60',
      '--batch-size',
      String(batch),
      '--impl',
      impl,
      '--threads',
      String(threads),
      '--repeat',
      String(repeat + 1),
    ],
    { env: { ...process.env, PYTHONPATH: TRAINER_PACKAGE_ROOT, OMP_NUM_THREADS: String(threads) }, encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const result = JSON.parse(out.trim().split('\n').at(-1)!) as { runs_seconds: number[]; tokens: number[][] };
  return { seconds: median(result.runs_seconds.slice(1)), tokens: result.tokens };
}

const images = await Promise.all(SAMPLE_IMAGES.map((f) => decodeImage(f)));
const captioner = await createOnnxCaptioner({ exportDir, threads, batchSize: batch });
const t0 = performance.now();
const pixels = captioner.pixelValues(images);
const preprocessMs = (performance.now() - t0) / images.length;
const figures: Record<string, unknown> = {
  bench: 'caption',
  checkpoint: path.resolve(checkpoint),
  preset: captioner.meta.preset,
  image_size: captioner.meta.image_size,
  images: images.length,
  threads,
  batch,
  repeat,
  node_preprocess_ms_per_image: +preprocessMs.toFixed(2),
};
for (const beams of [1, 3]) {
  const name = beams === 1 ? 'greedy' : 'beam3';
  await captioner.captionPixels(pixels, images.length, { beams }); // warm-up
  const times: number[] = [];
  let tokens: number[][] = [];
  for (let r = 0; r < repeat; r++) {
    const t0 = performance.now();
    tokens = (await captioner.captionPixels(pixels, images.length, { beams })).map((x) => x.tokens);
    times.push((performance.now() - t0) / 1000);
  }
  const node = median(times);
  const own = pytorch(beams, 'own');
  const hf = pytorch(beams, 'hf');
  const row = {
    node_captions_per_s: +(images.length / node).toFixed(2),
    torch_own_captions_per_s: +(images.length / own.seconds).toFixed(2),
    torch_hf_generate_captions_per_s: +(images.length / hf.seconds).toFixed(2),
    speedup_vs_torch_own: +(own.seconds / node).toFixed(2),
    speedup_vs_torch_hf_generate: +(hf.seconds / node).toFixed(2),
    tokens_equal_torch_own: JSON.stringify(tokens) === JSON.stringify(own.tokens),
    tokens_equal_torch_hf: JSON.stringify(tokens) === JSON.stringify(hf.tokens),
  };
  console.log(
    `${name}: node ${row.node_captions_per_s}/s, torch(own) ${row.torch_own_captions_per_s}/s, torch(hf generate) ${row.torch_hf_generate_captions_per_s}/s → ${row.speedup_vs_torch_own}× / ${row.speedup_vs_torch_hf_generate}×`,
  );
  figures[name] = row;
}
await captioner.dispose();
console.log(JSON.stringify(figures));
