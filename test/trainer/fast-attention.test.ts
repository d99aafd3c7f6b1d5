/**
 * The SDPA attention the trainer uses on CUDA computes what HF BLIP's eager attention computes (padding
 * masks, causal decoder, cross-attention), and bench/gpu_train.py runs end to end in its --smoke mode
 * (tiny sizes, CPU) so the GPU script is known not to crash before it meets a GPU.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { TRAINER_PACKAGE_ROOT } from '../../captioner/train-process.ts';
import { PYTHON, REPO_ROOT, tinyModel } from './fixture.ts';

const COMPARE = `
import copy, json, sys, torch
from fusecap_trainer.checkpoint import load_model
from fusecap_trainer.fast_attention import use_sdpa
torch.set_num_threads(2)
eager, tok, _ = load_model(sys.argv[1])
sdpa = copy.deepcopy(eager)
patched = use_sdpa(sdpa)
pixels = torch.randn(4, 3, 64, 64, generator=torch.Generator().manual_seed(0))
captions = ["a dog on a porch", "a man", "a long caption about many horses walking in a field at dawn", "sign"]
ids, mask = tok.encode_batch(captions, 40, tok.cls_id)
dec, _ = tok.encode_batch(["a picture of " + c for c in captions], 48, tok.dec_id)
labels = dec.masked_fill(dec == tok.pad_id, -100)
out = {"patched": patched}
for name, model in (("eager", eager), ("sdpa", sdpa)):
    torch.manual_seed(1)  # same ITM negatives
    losses = model.losses(pixels, ids, mask, dec, labels, torch.arange(4), "pretrain", tok.enc_id)
    losses["loss"].backward()
    out[name] = {k: float(v) for k, v in losses.items()}
    out[name + "_grad"] = float(sum(p.grad.abs().sum() for p in model.parameters() if p.grad is not None))
print(json.dumps(out))
`;

test('SDPA attention: same losses and gradients as HF eager attention', () => {
  const { checkpoint } = tinyModel();
  const out = JSON.parse(
    execFileSync(PYTHON, ['-c', COMPARE, checkpoint], { env: { ...process.env, PYTHONPATH: TRAINER_PACKAGE_ROOT }, encoding: 'utf8' }),
  );
  assert.equal(out.patched, 10); // 2 vision layers + encoder and decoder self- and cross-attention, 2 layers each
  for (const key of ['loss', 'loss_itc', 'loss_itm', 'loss_lm'])
    assert.ok(Math.abs(out.eager[key] - out.sdpa[key]) < 1e-4, `${key}: ${out.eager[key]} vs ${out.sdpa[key]}`);
  assert.ok(Math.abs(out.eager_grad - out.sdpa_grad) / out.eager_grad < 1e-4, `grad norm ${out.eager_grad} vs ${out.sdpa_grad}`);
});

test('bench/gpu_train.py --smoke runs every variant on CPU and reports samples/s', () => {
  const stdout = execFileSync(PYTHON, [path.join(REPO_ROOT, 'bench/gpu_train.py'), '--smoke'], { encoding: 'utf8' });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
  assert.equal(result.preset, 'tiny');
  for (const name of ['plain_hf', 'fusecap_lm', 'fusecap_pretrain']) {
    assert.ok(result.variants[name].samples_per_s > 0, `${name}: ${JSON.stringify(result.variants[name])}`);
  }
});
