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

test('an onnx detect thread ended mid-session, 10 rounds: the process lives, each detection answers or rejects with the thread exit', () => {
  const entry = fileURLToPath(new URL('./terminate-mid-session-entry.ts', import.meta.url));
  const child = spawnSync(process.execPath, ['--import', 'tsx', entry, '10'], { encoding: 'utf8', timeout: 300_000 });
  assert.equal(child.status, 0, `the process survived (status ${child.status}, signal ${child.signal}): ${child.stderr.slice(-500)}`);
  const rounds = child.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { round: number; detection: string; alive: boolean });
  assert.equal(rounds.length, 10);
  // The end comes 5 + 7·round ms after the detection is sent: on a fast CPU the late rounds' detection
  // has already answered by then (round 9 did at 68 ms on a 2-core EPYC), which is fine; what may not
  // happen is any other outcome, or no end at all landing inside a session.
  for (const r of rounds) {
    assert.equal(r.alive, false, `round ${r.round}: the thread ended`);
    assert.match(r.detection, /^answered$|detect worker thread exited/, `round ${r.round}: ${r.detection}`);
  }
  const ended = rounds.filter((r) => r.detection !== 'answered').length;
  assert.ok(ended >= 3, `only ${ended} of 10 ends landed inside a session: ${JSON.stringify(rounds.map((r) => r.detection))}`);
});
