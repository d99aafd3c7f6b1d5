/**
 * Retrieval scores (`score`) and pretrained loading (`--pretrained`) on the tiny model.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { runTrainer, type TrainerEvent } from '../../captioner/train-process.ts';
import { PYTHON, THREADS, tinyModel, trainerCli, type TinyModel } from './fixture.ts';

let model: TinyModel;
let work: string;
before(() => {
  model = tinyModel();
  work = mkdtempSync(path.join(os.tmpdir(), 'fusecap-score-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

interface Scores {
  images: { image_id: string; path: string }[];
  texts: { image_id: string; caption: string }[];
  itc: number[][];
  k: number;
  i2t: { image: number; topk: number[]; itm: number[] }[];
  t2i: { text: number; topk: number[]; itm: number[] }[];
}

test('score: ITC matrix images × texts, ITM for each top-k in both directions; matched pairs score higher', () => {
  const out = path.join(work, 'scores.json');
  trainerCli(['score', '--checkpoint', model.checkpoint, '--manifest', model.manifest, '--out', out, '--k', '5']);
  const s = JSON.parse(readFileSync(out, 'utf8')) as Scores;
  assert.equal(s.images.length, 20);
  assert.equal(s.texts.length, 21);
  assert.equal(s.itc.length, 20);
  for (const row of s.itc) {
    assert.equal(row.length, 21);
    for (const v of row) assert.ok(v >= -1.0001 && v <= 1.0001);
  }
  assert.equal(s.i2t.length, 20);
  assert.equal(s.t2i.length, 21);
  for (const q of [...s.i2t, ...s.t2i]) {
    assert.equal(q.topk.length, 5);
    assert.equal(q.itm.length, 5);
    for (const p of q.itm) assert.ok(p >= 0 && p <= 1);
  }
  // i2t top-k is sorted by ITC.
  for (const q of s.i2t) for (let j = 1; j < 5; j++) assert.ok(s.itc[q.image][q.topk[j - 1]] >= s.itc[q.image][q.topk[j]]);
  // Trained on these pairs: a matched pair's ITC similarity beats the average unmatched one.
  let matched = 0;
  let nm = 0;
  let unmatched = 0;
  let nu = 0;
  s.itc.forEach((row, i) =>
    row.forEach((v, t) => {
      if (s.texts[t].image_id === s.images[i].image_id) {
        matched += v;
        nm++;
      } else {
        unmatched += v;
        nu++;
      }
    }),
  );
  assert.ok(matched / nm > unmatched / nu + 0.1, `matched ${matched / nm} vs unmatched ${unmatched / nu}`);
});

const SAVE_HF_BLIP = `
import sys, shutil
from transformers import BlipConfig, BlipForConditionalGeneration
from fusecap_trainer.checkpoint import load_model
model, tok, _ = load_model(sys.argv[1])
# A HF BLIP captioning checkpoint with the tiny checkpoint's own weights, in HF's folder layout.
hf = BlipForConditionalGeneration(BlipConfig.from_json_file(sys.argv[1] + "/blip_config.json"))
hf.vision_model.load_state_dict(model.visual_encoder.state_dict())
hf.text_decoder.load_state_dict(model.text_decoder.state_dict())
hf.save_pretrained(sys.argv[2])
shutil.copy(sys.argv[1] + "/tokenizer.json", sys.argv[2])
`;

test('--pretrained: a HF BLIP folder (save_pretrained layout) is loaded, fine-tuned (LM only) and starts from its weights', async () => {
  const hfDir = path.join(work, 'hf-blip');
  const { execFileSync } = await import('node:child_process');
  execFileSync(PYTHON, ['-c', SAVE_HF_BLIP, model.checkpoint, hfDir], {
    env: { ...process.env, PYTHONPATH: path.resolve(import.meta.dirname, '../../trainer') },
  });
  const events: TrainerEvent[] = [];
  const final = await runTrainer({
    python: PYTHON,
    args: [
      '-m',
      'fusecap_trainer',
      'train',
      '--manifest',
      model.manifest,
      '--out',
      path.join(work, 'ft'),
      '--pretrained',
      hfDir,
      '--mode',
      'finetune',
      '--steps',
      '3',
      '--batch-size',
      '4',
      '--lr',
      '1e-5',
      '--threads',
      THREADS,
    ],
    onEvent: (e) => events.push(e),
  });
  assert.equal(final.event, 'done');
  const steps = events.filter((e): e is Extract<TrainerEvent, { event: 'step' }> => e.event === 'step');
  assert.equal(steps.length, 3);
  assert.equal(steps[0].loss_itc, undefined); // fine-tune: LM only
  // From scratch the LM loss starts near ln(vocab) ≈ 5.4; from the trained weights it is far lower.
  assert.ok(steps[0].loss_lm < 3, `first LM loss ${steps[0].loss_lm}`);
});
