/**
 * The trainer end to end on the sample set (tiny preset, real runs of a few seconds each), supervised by
 * captioner/train-process.ts the way the train activity does: loss falls, checkpoints rotate, export
 * works, SIGKILL + resume continues at checkpoint step + 1 with the same losses as an uninterrupted run,
 * SIGTERM writes a checkpoint, bad input fails fast or is skipped and counted.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runTrainer, TrainerProcessError, type TrainerEvent } from '../../captioner/train-process.ts';
import { PYTHON, SAMPLE_DIR, THREADS, trainerCli, writeSampleManifest } from './fixture.ts';

let work: string;
let manifest: string;
let pairs: number;

before(() => {
  work = mkdtempSync(path.join(os.tmpdir(), 'fusecap-train-test-'));
  manifest = path.join(work, 'manifest.jsonl');
  pairs = writeSampleManifest(manifest);
});
after(() => rmSync(work, { recursive: true, force: true }));

type StepEvent = Extract<TrainerEvent, { event: 'step' }>;

async function train(out: string, extra: string[], hooks: { signal?: AbortSignal; onEvent?: (e: TrainerEvent) => void } = {}) {
  const events: TrainerEvent[] = [];
  const args = [
    '-m',
    'fusecap_trainer',
    'train',
    '--manifest',
    manifest,
    '--out',
    out,
    '--preset',
    'tiny',
    '--batch-size',
    '8',
    '--lr',
    '1e-3',
    '--threads',
    THREADS,
    ...extra,
  ];
  const promise = runTrainer({
    python: PYTHON,
    args,
    signal: hooks.signal,
    killGraceMs: 20_000,
    onEvent: (e) => {
      events.push(e);
      hooks.onEvent?.(e);
    },
  });
  return { promise, events };
}

const steps = (events: TrainerEvent[]) => events.filter((e): e is StepEvent => e.event === 'step');
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('train', () => {
  test('tiny pre-training on the sample set: loss falls, checkpoints rotate and hold every file', async () => {
    const out = path.join(work, 'e2e');
    const { promise, events } = await train(out, ['--steps', '60', '--checkpoint-every', '20', '--keep-last', '2']);
    const final = await promise;
    assert.equal(final.event, 'done');
    assert.equal((final as { step: number }).step, 60);
    const start = events.find((e) => e.event === 'start') as Record<string, unknown>;
    assert.equal(start.pairs, pairs);
    assert.equal(start.mode, 'pretrain');
    const s = steps(events);
    assert.deepEqual(
      s.map((e) => e.step),
      Array.from({ length: 60 }, (_, i) => i + 1),
    );
    for (const e of s) {
      for (const key of ['loss', 'loss_itc', 'loss_itm', 'loss_lm', 'samples_per_s'] as const)
        assert.ok(Number.isFinite(e[key]), `${key} at step ${e.step}`);
    }
    const first = mean(s.slice(0, 5).map((e) => e.loss));
    const last = mean(s.slice(-5).map((e) => e.loss));
    const firstLm = mean(s.slice(0, 5).map((e) => e.loss_lm));
    const lastLm = mean(s.slice(-5).map((e) => e.loss_lm));
    console.log(`loss first-5 ${first.toFixed(3)} → last-5 ${last.toFixed(3)}; lm ${firstLm.toFixed(3)} → ${lastLm.toFixed(3)}`);
    assert.ok(last < first * 0.7, `loss should fall by 30%: ${first} → ${last}`);
    assert.ok(lastLm < firstLm * 0.6, `LM loss should fall by 40%: ${firstLm} → ${lastLm}`);

    const ckpts = events.filter((e) => e.event === 'checkpoint') as {
      step: number;
      path: string;
      sha256: string;
      metrics: Record<string, number>;
    }[];
    assert.deepEqual(
      ckpts.map((c) => c.step),
      [20, 40, 60],
    );
    assert.deepEqual(readdirSync(path.join(out, 'checkpoints')).sort(), ['step-000040', 'step-000060']);
    const lastDir = ckpts[2].path;
    for (const f of ['model.pt', 'optimizer.pt', 'scheduler.pt', 'rng.pt', 'state.json', 'blip_config.json', 'tokenizer.json']) {
      assert.ok(existsSync(path.join(lastDir, f)), `${f} in ${lastDir}`);
    }
    const state = JSON.parse(readFileSync(path.join(lastDir, 'state.json'), 'utf8'));
    assert.equal(state.step, 60);
    assert.equal(state.model_sha256, ckpts[2].sha256);
    assert.ok(ckpts[2].metrics.loss_lm > 0 && ckpts[2].metrics.loss_lm < firstLm);

    // Export of the final checkpoint: ONNX files, tokenizer and metadata, matching PyTorch on a probe input.
    const exportDir = path.join(work, 'e2e-export');
    trainerCli(['export', '--checkpoint', lastDir, '--out', exportDir]);
    const meta = JSON.parse(readFileSync(path.join(exportDir, 'export.json'), 'utf8'));
    for (const f of ['vision_encoder.onnx', 'text_decoder.onnx', 'decoder_cross_kv.onnx', 'decoder_step.onnx', 'tokenizer.json'])
      assert.ok(existsSync(path.join(exportDir, f)), f);
    assert.deepEqual(meta.kv_cache, { layers: 2, heads: 4, head_dim: 32, image_tokens: 17 });
    assert.equal(meta.image_size, 64);
    assert.equal(meta.step, 60);
    assert.equal(meta.source_checkpoint_sha256, ckpts[2].sha256);
    assert.match(meta.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(meta.special_tokens).sort(), ['bos', 'cls', 'enc', 'pad', 'sep', 'unk']);
    assert.ok(meta.onnx_check.vision_max_abs_diff < 1e-4, JSON.stringify(meta.onnx_check));
    assert.ok(meta.onnx_check.decoder_max_abs_diff < 1e-4, JSON.stringify(meta.onnx_check));
    assert.ok(meta.onnx_check.cached_decoder_max_abs_diff < 1e-4, JSON.stringify(meta.onnx_check));
  });

  test('SIGKILL after a checkpoint, then --resume-from: continues at step + 1, ends at --steps, same losses', async () => {
    const common = ['--steps', '16', '--checkpoint-every', '6', '--keep-last', '3', '--seed', '3'];
    const straight = await train(path.join(work, 'straight'), common);
    await straight.promise;

    const out = path.join(work, 'killed');
    let pid = 0;
    let killedAfter = 0;
    const killed = await train(out, common, {
      onEvent: (e) => {
        if (e.event === 'start') pid = (e as unknown as { pid: number }).pid;
        if (e.event === 'checkpoint' && !killedAfter) {
          killedAfter = (e as { step: number }).step;
          process.kill(pid, 'SIGKILL');
        }
      },
    });
    await assert.rejects(
      killed.promise,
      (error: unknown) => error instanceof TrainerProcessError && error.signal === 'SIGKILL' && error.kind === 'crash',
    );
    assert.equal(killedAfter, 6);
    const latest = readdirSync(path.join(out, 'checkpoints'))
      .filter((n) => n.startsWith('step-'))
      .sort()
      .at(-1)!;
    const resumed = await train(out, [...common, '--resume-from', path.join(out, 'checkpoints', latest)]);
    const final = await resumed.promise;
    const latestStep = Number(latest.slice(5));
    const s = steps(resumed.events);
    assert.equal(s[0].step, latestStep + 1);
    assert.equal(s.at(-1)!.step, 16);
    assert.equal((final as { step: number }).step, 16);
    // Model, optimizer, scheduler, RNG (ITM negatives) and data order restored: the losses are the uninterrupted run's.
    const reference = new Map(steps(straight.events).map((e) => [e.step, e.loss]));
    for (const e of s) assert.ok(Math.abs(e.loss - reference.get(e.step)!) < 1e-4, `step ${e.step}: ${e.loss} vs ${reference.get(e.step)}`);
  });

  test('abort (SIGTERM) writes a checkpoint before the trainer exits', async () => {
    const out = path.join(work, 'sigterm');
    const controller = new AbortController();
    const run = await train(out, ['--steps', '500', '--checkpoint-every', '1000'], {
      onEvent: (e) => {
        if (e.event === 'step' && e.step === 4) controller.abort();
      },
      signal: controller.signal,
    });
    const final = (await run.promise) as Extract<TrainerEvent, { event: 'stopped' }>;
    assert.equal(final.event, 'stopped');
    assert.equal(final.signal, 'SIGTERM');
    assert.ok(final.step >= 4 && final.step < 500);
    assert.ok(final.checkpoint);
    assert.equal(final.checkpoint.step, final.step);
    assert.ok(existsSync(path.join(final.checkpoint.path, 'model.pt')));
    assert.ok(existsSync(path.join(final.checkpoint.path, 'rng.pt')));
  });
});

describe('bad input', () => {
  const expectUsageError = async (extra: string[], pattern: RegExp) => {
    const run = await train(path.join(work, 'bad'), extra);
    await assert.rejects(run.promise, (error: unknown) => {
      assert.ok(error instanceof TrainerProcessError);
      assert.equal(error.kind, 'usage');
      assert.equal(error.exitCode, 2);
      assert.match(error.message, pattern);
      return true;
    });
    assert.equal(run.events.filter((e) => e.event === 'step').length, 0);
  };

  test('missing checkpoint folder', () =>
    expectUsageError(['--steps', '5', '--resume-from', path.join(work, 'no-such-ckpt')], /checkpoint folder not found: .*no-such-ckpt/));
  test('incomplete checkpoint folder', () => {
    const dir = path.join(work, 'empty-ckpt');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'state.json'), '{}');
    return expectUsageError(
      ['--steps', '5', '--resume-from', dir],
      /checkpoint .*empty-ckpt is incomplete: missing model\.pt, blip_config\.json, tokenizer\.json/,
    );
  });
  test('missing pretrained folder', () =>
    expectUsageError(['--steps', '5', '--pretrained', path.join(work, 'no-blip')], /pretrained model folder not found/));
  test('batch size 0', () => expectUsageError(['--steps', '5', '--batch-size', '0'], /--batch-size must be at least 1, got 0/));
  test('batch size larger than the dataset', () =>
    expectUsageError(['--steps', '5', '--batch-size', '500'], /--batch-size 500 is larger than the \d+ usable pairs/));

  test('corrupt and missing images, empty captions: skipped, counted, training goes on', async () => {
    const corrupt = path.join(work, 'corrupt.jpg');
    writeFileSync(corrupt, Buffer.concat([readFileSync(path.join(SAMPLE_DIR, 'images/dog.jpg')).subarray(0, 600)]));
    const badManifest = path.join(work, 'bad-manifest.jsonl');
    writeSampleManifest(badManifest, [
      { image_id: 'corrupt', path: corrupt, caption: 'a broken file' },
      { image_id: 'gone', path: path.join(work, 'missing.jpg'), caption: 'a file that is not there' },
      { image_id: 'dog', path: path.join(SAMPLE_DIR, 'images/dog.jpg'), caption: '   ' },
    ]);
    const events: TrainerEvent[] = [];
    const final = await runTrainer({
      python: PYTHON,
      args: [
        '-m',
        'fusecap_trainer',
        'train',
        '--manifest',
        badManifest,
        '--out',
        path.join(work, 'skips'),
        '--steps',
        '2',
        '--batch-size',
        '4',
        '--threads',
        THREADS,
      ],
      onEvent: (e) => events.push(e),
    });
    assert.equal(final.event, 'done');
    const skipped = events.find((e) => e.event === 'skipped') as Extract<TrainerEvent, { event: 'skipped' }>;
    assert.deepEqual(skipped.reasons, { corrupt_image: 1, missing_image: 1, empty_caption: 1 });
    assert.equal(skipped.total, 3);
    assert.equal((events.find((e) => e.event === 'start') as Record<string, unknown>).pairs, pairs);
  });
});
