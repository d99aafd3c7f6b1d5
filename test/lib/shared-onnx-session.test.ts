/**
 * The shared onnxruntime session (lib/shared-onnx-session.ts) with a real model file: leases of one file
 * share one loaded session, it stays usable while any lease holds it, the last release frees it (the next
 * lease loads a new one), and a file that fails to load is not remembered as failed once repaired.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import * as ort from 'onnxruntime-node';
import { setupModelPath } from '../../lib/setup-models.ts';
import { leaseSharedSession } from '../../lib/shared-onnx-session.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'fusecap-session-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function runsOnce(session: ort.InferenceSession): Promise<void> {
  const input = new ort.Tensor('float32', new Float32Array(3 * 320 * 320).fill(0.5), [1, 3, 320, 320]);
  const out = await session.run({ [session.inputNames[0]]: input });
  assert.equal(out[session.outputNames[0]].dims.at(-1), 320);
}

test('two leases of one file share its session; it is freed only by the last release', async () => {
  const file = setupModelPath('u2netp.onnx');
  const a = await leaseSharedSession(file);
  const b = await leaseSharedSession(file);
  assert.equal(a.session, b.session);
  await a.release();
  await a.release(); // idempotent: must not take b's hold away
  await runsOnce(b.session);
  const c = await leaseSharedSession(file);
  assert.equal(c.session, b.session);
  await b.release();
  await c.release();
  const d = await leaseSharedSession(file);
  assert.notEqual(d.session, b.session, 'after the last release a new lease loads the file again');
  await runsOnce(d.session);
  await d.release();
});

test('a file that failed to load is tried again on the next lease', async () => {
  const file = path.join(dir, 'model.onnx');
  writeFileSync(file, 'not an onnx model');
  await assert.rejects(leaseSharedSession(file));
  copyFileSync(setupModelPath('u2netp.onnx'), file);
  const lease = await leaseSharedSession(file);
  await runsOnce(lease.session);
  await lease.release();
});
