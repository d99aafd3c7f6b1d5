/**
 * Worker-thread side of the threaded detector: owns one in-process Detector (tfjs wasm) and answers
 * detect requests one at a time, in arrival order, so the parent's event loop stays free and a second
 * core can run OCR or attributes meanwhile.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDetector, type DetectorOptions } from './index.ts';

export type DetectRequest =
  { type: 'detect'; id: number; width: number; height: number; data: ArrayBuffer } | { type: 'dispose'; id: number };

export type DetectReply =
  | { type: 'ready'; model: { id: string; version: string } }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; ok: true; output?: unknown }
  | { type: 'result'; id: number; ok: false; message: string };

const port = parentPort;
if (!port) throw new Error('detect-thread-entry.ts must run in a worker thread');
const post = (reply: DetectReply): void => port.postMessage(reply);

const detector = createDetector({ ...(workerData as DetectorOptions), workerThread: false });
detector.then(
  (d) => post({ type: 'ready', model: d.model }),
  (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);

let queue: Promise<void> = Promise.resolve();
port.on('message', (request: DetectRequest) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: DetectRequest): Promise<void> {
  try {
    const d = await detector;
    if (request.type === 'detect') {
      const output = await d.detect({ data: Buffer.from(request.data), width: request.width, height: request.height, channels: 3 });
      post({ type: 'result', id: request.id, ok: true, output });
    } else {
      await d.dispose();
      post({ type: 'result', id: request.id, ok: true });
    }
  } catch (error) {
    post({ type: 'result', id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
}
