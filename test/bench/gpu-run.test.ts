/**
 * bench/gpu/run.sh, the one call that measures every GPU figure on a lent GPU machine, still runs: its
 * `--smoke` mode (tiny sizes, CPU) goes through every phase — plain HF vs fusecap training, the largest
 * batch search, the real trainer, the ONNX export, captioning under onnxruntime and PyTorch, the tiny
 * preset — and ends with one JSON line holding each figure, also written under $OUT.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../support/services.ts';

test('bench/gpu/run.sh --smoke runs every phase and ends with one JSON line of figures', { timeout: 1_200_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'fusecap-gpu-smoke-'));
  const { stdout } = await promisify(execFile)('bash', [join(REPO_ROOT, 'bench', 'gpu', 'run.sh'), '--smoke'], {
    cwd: REPO_ROOT,
    env: { ...process.env, OUT: out },
    maxBuffer: 64 * 1024 * 1024,
  });
  const last = stdout.trim().split('\n').at(-1)!;
  const report = JSON.parse(last) as {
    smoke: boolean;
    phases: Record<string, { status: string; result: boolean }>;
    summary: Record<string, unknown>;
  };
  assert.equal(report.smoke, true);
  assert.deepEqual(Object.keys(report.phases), ['train_base', 'max_batch_base', 'trainer', 'export', 'caption', 'tiny']);
  for (const [name, phase] of Object.entries(report.phases)) assert.ok(phase.result, `${name} delivered its figures (${phase.status})`);
  const positive = (key: string) => {
    const value = report.summary[key];
    assert.ok(typeof value === 'number' && value > 0, `${key} = ${String(value)}`);
  };
  for (const variant of ['plain_hf', 'plain_hf_pretrain', 'fusecap_lm', 'fusecap_pretrain'])
    positive(`train_base.${variant}.samples_per_s`);
  positive('train_base.ratio_lm');
  positive('train_base.ratio_pretrain');
  positive('max_batch_base.fusecap_pretrain');
  positive('trainer.samples_per_s');
  positive('caption.pytorch_generate.captions_per_s');
  positive('caption.onnx.captions_per_s');
  positive('tiny.max_batch');
  positive('tiny.samples_per_s_at_max');
  assert.match(stdout, /== figures/);
  const written = JSON.parse(readFileSync(join(out, 'gpu-bench.json'), 'utf8')) as { summary: unknown };
  assert.deepEqual(written.summary, report.summary);
  assert.ok(existsSync(join(out, 'logs', 'train_base.log')));
});
