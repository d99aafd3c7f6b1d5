/**
 * The detector in a worker thread, behind the same Detector interface. tfjs' wasm backend runs a graph
 * synchronously on the calling JS thread (~115 ms for CenterNet here); in its own thread it no longer
 * blocks the event loop (Temporal heartbeats) and runs beside OCR and attributes on a 2-core worker.
 * Pixels cross as a transferred copy (~1 ms per megapixel); results come back as structured clones.
 */
import { Worker } from 'node:worker_threads';
import type { DecodedImage } from '../../lib/image.ts';
import type { DetectOutput, ModelRef } from '../types.ts';
import type { DetectReply, DetectRequest } from './detect-thread-entry.ts';
import type { Detector, DetectorOptions } from './index.ts';

/** Worker threads do not inherit tsx's loader hooks: register tsx, then import the TypeScript entry. */
const BOOTSTRAP = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./detect-thread-entry.ts', import.meta.url).href)}); })
  .catch((error) => { require('node:worker_threads').parentPort.postMessage({ type: 'failed', message: 'detect worker thread could not start: ' + (error && error.stack || error) }); });`;

export async function createThreadedDetector(options: DetectorOptions): Promise<Detector> {
  const worker = new Worker(BOOTSTRAP, { eval: true, workerData: { ...options, workerThread: false }, execArgv: [] });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let closed: Error | null = null;
  let nextId = 1;
  let model: ModelRef | undefined;
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (reply: DetectReply) => {
      if (reply.type === 'ready') {
        model = reply.model;
        resolve();
      } else if (reply.type === 'failed') reject(new Error(reply.message));
      else {
        const waiting = pending.get(reply.id);
        if (!waiting) return;
        pending.delete(reply.id);
        if (pending.size === 0) worker.unref();
        if (reply.ok) waiting.resolve(reply.output);
        else waiting.reject(new Error(reply.message));
      }
    });
    const fail = (error: Error) => {
      closed ??= error;
      reject(error);
      for (const w of pending.values()) w.reject(error);
      pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`detect worker thread crashed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`detect worker thread exited (code ${code})`)));
  }).catch(async (error) => {
    await worker.terminate();
    throw error;
  });
  // An idle thread must not keep the process alive; it is ref'd while requests are in flight.
  worker.unref();

  const request = (message: DetectRequest, transfer: ArrayBuffer[] = []): Promise<unknown> => {
    if (closed) return Promise.reject(closed);
    return new Promise((resolve, reject) => {
      pending.set(message.id, { resolve, reject });
      worker.ref();
      worker.postMessage(message, transfer);
    });
  };
  return {
    model: model!,
    detect(image: DecodedImage): Promise<DetectOutput> {
      const copy = new Uint8Array(image.data.length);
      copy.set(image.data);
      return request({ type: 'detect', id: nextId++, width: image.width, height: image.height, data: copy.buffer }, [
        copy.buffer,
      ]) as Promise<DetectOutput>;
    },
    async dispose() {
      if (closed) return;
      try {
        await request({ type: 'dispose', id: nextId++ });
      } finally {
        closed = new Error('detector was disposed');
        await worker.terminate();
      }
    },
  };
}
