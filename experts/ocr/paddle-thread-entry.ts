/**
 * Worker-thread side of PaddleThreadOcr: owns one PaddleOcr and answers read requests from the parent.
 * onnxruntime-node runs a session synchronously on the calling JS thread, so OCR lives here, off the
 * parent's event loop, where it can use a core of its own while the parent runs detect.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PaddleOcr } from './paddle.ts';
import type { OcrOptions } from './types.ts';

export type Request = { type: 'read'; id: number; width: number; height: number; data: ArrayBuffer } | { type: 'dispose'; id: number };

export type Reply =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; ok: true; output?: unknown }
  | { type: 'result'; id: number; ok: false; message: string };

const port = parentPort;
if (!port) throw new Error('paddle-thread-entry.ts must run in a worker thread');
const post = (reply: Reply): void => port.postMessage(reply);

const engine = PaddleOcr.create(workerData as OcrOptions);
engine.then(
  () => post({ type: 'ready' }),
  (error: unknown) => post({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
);

// Requests run one at a time, in arrival order: a burst of reads queues here (keeping this thread busy
// while the parent's JS thread is blocked in detect) instead of interleaving and holding every image at once.
let queue: Promise<void> = Promise.resolve();
port.on('message', (request: Request) => {
  queue = queue.then(() => handle(request));
});

async function handle(request: Request): Promise<void> {
  try {
    const ocr = await engine;
    if (request.type === 'read') {
      const data = Buffer.from(request.data);
      const output = await ocr.read({ data, width: request.width, height: request.height, channels: 3 });
      post({ type: 'result', id: request.id, ok: true, output });
    } else {
      await ocr.dispose();
      post({ type: 'result', id: request.id, ok: true });
    }
  } catch (error) {
    post({ type: 'result', id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) });
  }
}
