/**
 * runTrainer's failure paths that need no training run: an interpreter that does not exist, a trainer
 * command it rejects (argparse, exit 2 without an event: the stderr tail is the message), an already
 * aborted signal. Training, SIGKILL/resume and SIGTERM are covered with real runs in
 * test/trainer/train.test.ts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runTrainer, TrainerProcessError } from '../../captioner/train-process.ts';
import { PYTHON } from '../trainer/fixture.ts';

test('a missing interpreter rejects with a clear message', async () => {
  await assert.rejects(runTrainer({ python: '/nonexistent/python3', args: ['-m', 'fusecap_trainer', 'train'] }), (e: unknown) => {
    assert.ok(e instanceof TrainerProcessError);
    assert.equal(e.kind, 'crash');
    assert.match(e.message, /cannot start trainer \/nonexistent\/python3: .*ENOENT/);
    return true;
  });
});

test("an unknown option: rejected with the trainer's own usage message from stderr", async () => {
  await assert.rejects(runTrainer({ python: PYTHON, args: ['-m', 'fusecap_trainer', 'train', '--no-such-option'] }), (e: unknown) => {
    assert.ok(e instanceof TrainerProcessError);
    assert.equal(e.exitCode, 2);
    assert.match(
      e.message,
      /exited with status 2 without a final event: .*unrecognized arguments: --no-such-option|the following arguments are required/s,
    );
    return true;
  });
});

test('an already aborted signal does not start the trainer', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(
    runTrainer({ python: PYTHON, args: ['-m', 'fusecap_trainer', 'train'], signal: controller.signal }),
    (e: unknown) => e instanceof TrainerProcessError && e.kind === 'aborted',
  );
});

test('trainerArgs: the train config section as trainer options, resume last', async () => {
  const { configSchema } = await import('../../config/schema.ts');
  const { trainerArgs } = await import('../../captioner/train-process.ts');
  const { train } = configSchema.parse({ train: { steps: 30, pretrained: '/models/blip' } });
  const args = trainerArgs(train, { manifest: '/m.jsonl', out: '/run', resumeFrom: '/run/checkpoints/step-000020' });
  assert.deepEqual(args.slice(0, 3), ['-m', 'fusecap_trainer', 'train']);
  const option = (name: string) => args[args.indexOf(name) + 1];
  assert.equal(option('--steps'), '30');
  assert.equal(option('--batch-size'), String(train.batchSize));
  assert.equal(option('--lr'), String(train.learningRate));
  assert.equal(option('--pretrained'), '/models/blip');
  assert.deepEqual(args.slice(-2), ['--resume-from', '/run/checkpoints/step-000020']);
});
