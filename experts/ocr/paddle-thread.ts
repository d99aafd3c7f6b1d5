/**
 * PaddleOCR in a worker thread, behind the same OcrEngine interface.
 *
 * Why: onnxruntime-node executes `session.run` synchronously on the JS thread that calls it (its async
 * API only defers the call with setImmediate). In-process, OCR would block the event loop (Temporal
 * heartbeats) and could never overlap with detect, whose tfjs wasm graph also runs on the JS thread.
 * In its own thread, with one onnxruntime intra-op thread, OCR keeps the second core of a 2-core worker
 * busy while the main thread runs detect and attributes.
 *
 * Pixels cross the thread boundary as a transferred copy (width × height × 3 bytes, ~1 ms for a
 * 1-megapixel image); results come back as structured clones of OcrOutput. Requests queue in the thread.
 */
import { Worker } from 'node:worker_threads';
import type { DecodedImage } from '../../lib/image.ts';
import type { ModelRef, OcrOutput } from '../types.ts';
import type { Reply, Request } from './paddle-thread-entry.ts';
import { PADDLE_MODEL } from './model-ref.ts';
import { assertDecodedImage, type OcrEngine, type OcrOptions } from './types.ts';

/**
 * A worker thread does not inherit the parent's module loader hooks (tsx), so the thread first registers
 * tsx, then imports the TypeScript entry.
 */
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./paddle-thread-entry.ts', import.meta.url).href)}); })
  .catch((error) => { require('node:worker_threads').parentPort.postMessage({ type: 'failed', message: 'OCR worker thread could not start: ' + (error && error.stack || error) }); });`;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** One worker thread holding one PaddleOcr; shared by every engine created with the same options. */
class OcrThread {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closed: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      if (reply.type !== 'result') return;
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
      if (reply.ok) waiting.resolve(reply.output);
      else waiting.reject(new Error(reply.message));
    });
    const fail = (error: Error): void => {
      this.closed ??= error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`OCR worker thread crashed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`OCR worker thread exited (code ${code})`)));
  }

  static async start(options: OcrOptions): Promise<OcrThread> {
    // execArgv: [] — the parent's `--import tsx` does not apply to an eval'd worker in Node 20; BOOTSTRAP
    // registers tsx itself, and inheriting the flag on newer Node versions would register it twice.
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { ...options, workerThread: false }, execArgv: [] });
    // Listeners are removed one by one: Worker keeps internal 'newListener' hooks (they ref/unref its
    // message port) that removeAllListeners() would drop, after which replies never arrive.
    let onMessage: (reply: Reply) => void = () => {};
    let onError: (error: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    try {
      await new Promise<void>((resolve, reject) => {
        onMessage = (reply) => {
          if (reply.type === 'ready') resolve();
          else if (reply.type === 'failed') reject(new Error(reply.message));
        };
        onError = reject;
        onExit = (code) => reject(new Error(`OCR worker thread exited (code ${code}) while loading models`));
        worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      });
    } catch (error) {
      await worker.terminate();
      throw error;
    } finally {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
    }
    // An idle thread must not keep the process alive; it is ref'd while requests are in flight.
    worker.unref();
    return new OcrThread(worker);
  }

  read(image: DecodedImage): Promise<OcrOutput> {
    const copy = new Uint8Array(image.data.length);
    copy.set(image.data);
    const id = this.nextId++;
    return this.request({ type: 'read', id, width: image.width, height: image.height, data: copy.buffer }, [
      copy.buffer,
    ]) as Promise<OcrOutput>;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.request({ type: 'dispose', id: this.nextId++ });
    } finally {
      this.closed = new Error('OCR engine used after dispose()');
      await this.worker.terminate();
    }
  }

  private request(message: Request, transfer: ArrayBuffer[] = []): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage(message, transfer);
    });
  }
}

/** Threads by options: models load once per process for a given configuration. */
const threads = new Map<string, { thread: Promise<OcrThread>; users: number }>();

export class PaddleThreadOcr implements OcrEngine {
  readonly model: ModelRef = PADDLE_MODEL;
  private disposed = false;

  private constructor(
    private readonly key: string,
    private readonly thread: OcrThread,
  ) {}

  static async create(options: OcrOptions): Promise<PaddleThreadOcr> {
    const key = JSON.stringify(options, Object.keys(options).sort());
    let entry = threads.get(key);
    if (!entry) {
      const thread = OcrThread.start(options);
      entry = { thread, users: 0 };
      threads.set(key, entry);
      thread.catch(() => threads.delete(key));
    }
    const thread = await entry.thread;
    entry.users++;
    return new PaddleThreadOcr(key, thread);
  }

  async read(image: DecodedImage): Promise<OcrOutput> {
    assertDecodedImage(image);
    if (this.disposed) throw new Error('OCR engine used after dispose()');
    return this.thread.read(image);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const entry = threads.get(this.key);
    if (!entry || --entry.users > 0) return;
    threads.delete(this.key);
    await this.thread.close();
  }
}
