/**
 * Ending a detect worker thread while onnxruntime-node runs a session in it must end only that thread.
 * Before ModelThread.terminate waited for the model call to return, `worker.terminate()` mid-session
 * aborted the whole process (`terminate called after throwing an instance of 'Napi::Error'`, exit 134;
 * seen at round 4 of 8 with this entry). The rounds run in a child process so such an abort fails the test.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

test('an onnx detect thread ended mid-session, 10 rounds: the process lives, each detection rejects with the thread exit', () => {
  const entry = fileURLToPath(new URL('./terminate-mid-session-entry.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', entry, '10'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(child.status, 0, `the process survived (status ${child.status}, signal ${child.signal}): ${child.stderr.slice(-500)}`);
  const rounds = child.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { round: number; detection: string; alive: boolean });
  assert.equal(rounds.length, 10);
  for (const r of rounds) {
    assert.equal(r.alive, false, `round ${r.round}: the thread ended`);
    assert.match(r.detection, /detect worker thread exited/, `round ${r.round}: the detection on it rejected`);
  }
});
