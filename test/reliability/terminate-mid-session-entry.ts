/**
 * Child process of terminate-mid-session.test.ts: starts an onnx detect thread, sends a detection, ends
 * the thread a little later each round (so some ends land inside the session), and prints one JSON line
 * per round. Run apart from the test runner because the bug it pins aborted the whole process.
 */
import { createDetector } from '../../experts/detect/index.ts';
import { ModelThread } from '../../lib/model-thread.ts';

const size = 640;
const pixels = Buffer.from(new Uint8Array(size * size * 3).map((_, i) => (i * 31) % 251));
const rounds = Number(process.argv[2] ?? 10);
for (let round = 0; round < rounds; round++) {
  const detector = await createDetector({ runtime: 'onnx', workerThread: true, threads: 1 });
  const [thread] = ModelThread.running('detect');
  const detection = detector.detect({ data: pixels, width: size, height: size, channels: 3 }).then(
    () => 'answered',
    (error: Error) => error.message,
  );
  await new Promise((r) => setTimeout(r, 5 + round * 7));
  await thread.terminate();
  console.log(JSON.stringify({ round, detection: await detection, alive: thread.alive }));
  await detector.dispose().catch(() => undefined);
}
