/**
 * A model in a worker thread of its own. tfjs' wasm backend and onnxruntime-node both run a model
 * synchronously on the calling JS thread; in a worker thread the model neither blocks the event loop
 * (Temporal heartbeats) nor competes with the other experts for the main thread.
 *
 * Protocol: the thread posts {type:'ready', info} or {type:'failed', message} once, then answers each
 * {id, ...} request with {type:'result', id, ok, output|message}, one request at a time, in order.
 * `serveModel` is the thread side, `ModelThread.start` the parent side.
 */
import { parentPort, Worker, workerData } from 'node:worker_threads';

type Reply =
  | { type: 'ready'; info?: unknown }
  | { type: 'failed'; message: string }
  | { type: 'result'; id: number; ok: true; output?: unknown }
  | { type: 'result'; id: number; ok: false; message: string };

export type ThreadRequest = { id: number; type: string; [key: string]: unknown };

/** Out-of-band message: end the thread once the model call now running has returned. */
const END = '__end';

export class ModelThread {
  /** Threads of this process that have not ended, for supervisors and tests that must find one. */
  private static readonly live = new Set<ModelThread>();
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private closed: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly info: unknown,
    readonly label: string,
  ) {
    ModelThread.live.add(this);
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
      ModelThread.live.delete(this);
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => fail(new Error(`${label} worker thread crashed: ${error.message}`)));
    worker.on('exit', (code) => fail(new Error(`${label} worker thread exited (code ${code})`)));
  }

  /** Starts `entry` (a TypeScript module that calls serveModel) with `data` and waits for it to be ready. */
  static async start(entry: URL, data: unknown, label: string): Promise<ModelThread> {
    // Worker threads do not inherit tsx's loader hooks (and an eval'd worker ignores `--import` on Node 20):
    // register tsx in the thread, then import the TypeScript entry.
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
      .then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })
      .catch((error) => { require('node:worker_threads').parentPort.postMessage({ type: 'failed', message: ${JSON.stringify(`${label} worker thread could not start: `)} + (error && error.stack || error) }); });`;
    const worker = new Worker(bootstrap, { eval: true, workerData: data, execArgv: [] });
    // Listeners are removed one by one: Worker keeps internal 'newListener' hooks (they ref/unref its
    // message port) that removeAllListeners() would drop, after which replies never arrive.
    let onMessage: (reply: Reply) => void = () => {};
    let onError: (error: Error) => void = () => {};
    let onExit: (code: number) => void = () => {};
    let info: unknown;
    try {
      await new Promise<void>((resolve, reject) => {
        onMessage = (reply) => {
          if (reply.type === 'ready') {
            info = reply.info;
            resolve();
          } else if (reply.type === 'failed') reject(new Error(reply.message));
        };
        onError = reject;
        onExit = (code) => reject(new Error(`${label} worker thread exited (code ${code}) while loading its model`));
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
    return new ModelThread(worker, info, label);
  }

  /** The threads of this process that are still serving, optionally only those with this label. */
  static running(label?: string): ModelThread[] {
    return [...ModelThread.live].filter((t) => label === undefined || t.label === label);
  }

  /** False once the thread has ended (crashed, exited, terminated or closed): it answers nothing more. */
  get alive(): boolean {
    return this.closed === null;
  }

  /**
   * Ends the thread without disposing its model, as a crash between two model calls does: the call
   * running in the thread finishes, the thread then exits, and every request not answered by then rejects.
   * The thread is never torn down in the middle of a native call: terminating a worker thread while
   * onnxruntime-node runs a session in it aborts the whole process (`terminate called after throwing an
   * instance of 'Napi::Error'`). A thread that has not ended after `graceMs` (hung) is terminated anyway.
   */
  async terminate(graceMs = 60_000): Promise<void> {
    if (this.closed) return;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage({ type: END });
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([exited, hung]);
    clearTimeout(timer);
    if (this.closed === null) await this.worker.terminate();
  }

  /** Requests sent and not yet answered (queued in the thread or running). */
  get inFlight(): number {
    return this.pending.size;
  }

  /** Sends pixels as a transferred copy (the caller's buffer stays usable). */
  request(type: string, fields: Record<string, unknown> = {}, pixels?: Uint8Array): Promise<unknown> {
    if (this.closed) return Promise.reject(this.closed);
    let transfer: ArrayBuffer[] = [];
    if (pixels) {
      const copy = new Uint8Array(pixels.length);
      copy.set(pixels);
      fields = { ...fields, data: copy.buffer };
      transfer = [copy.buffer];
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ ...fields, type, id }, transfer);
    });
  }

  /** Asks the thread to dispose its model, then ends it. Later requests reject with `reason`. */
  async close(reason: string): Promise<void> {
    if (this.closed) return;
    try {
      await this.request('dispose');
    } finally {
      this.closed = new Error(reason);
      ModelThread.live.delete(this);
      await this.worker.terminate();
    }
  }
}

/**
 * Several threads serving the same model, for a model whose single call cannot use more than one core
 * (tfjs' wasm backend is single-threaded in Node): concurrent requests run side by side, each thread
 * holding its own copy of the model. A request goes to the live thread with the fewest requests in
 * flight, so a burst spreads over the threads and a lone caller always meets an idle one.
 *
 * A thread that dies (a crash, an out-of-memory end) is never chosen again and is replaced by a fresh
 * one on the next request; while no thread is alive, requests wait for the replacement. The requests
 * that were in flight on the dead thread reject: their callers decide whether to retry.
 */
export class ModelThreadPool {
  private readonly threads: ModelThread[];
  private readonly replacing = new Map<number, Promise<void>>();
  private closedWith: Error | null = null;

  private constructor(
    threads: ModelThread[],
    private readonly entry: URL,
    private readonly data: unknown,
    private readonly label: string,
  ) {
    this.threads = threads;
  }

  /** Starts `size` threads of `entry` at once; fails (ending those that did start) if any fails. */
  static async start(entry: URL, data: unknown, label: string, size: number): Promise<ModelThreadPool> {
    if (!Number.isInteger(size) || size < 1) throw new Error(`${label} thread pool size must be a positive integer, got ${size}`);
    const started = await Promise.allSettled(Array.from({ length: size }, () => ModelThread.start(entry, data, label)));
    const threads = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failure = started.find((s) => s.status === 'rejected');
    if (failure) {
      await Promise.allSettled(threads.map((t) => t.close(`${label} thread pool failed to start`)));
      throw failure.reason;
    }
    return new ModelThreadPool(threads, entry, data, label);
  }

  get size(): number {
    return this.threads.length;
  }

  /** What the first thread announced when ready (every thread loads the same model). */
  get info(): unknown {
    return this.threads[0].info;
  }

  /** Threads alive now (the others are being replaced). */
  get liveThreads(): number {
    return this.threads.filter((t) => t.alive).length;
  }

  /** False once closed: a closed pool answers nothing, a pool with dead threads heals itself. */
  get open(): boolean {
    return this.closedWith === null;
  }

  async request(type: string, fields: Record<string, unknown> = {}, pixels?: Uint8Array): Promise<unknown> {
    if (this.closedWith) throw this.closedWith;
    this.replaceDead();
    let least: ModelThread | null = null;
    for (const thread of this.threads) if (thread.alive && (!least || thread.inFlight < least.inFlight)) least = thread;
    if (least) return least.request(type, fields, pixels);
    // Every thread is dead: wait for the first replacement (a failed one rejects with its start error).
    await Promise.race(this.replacing.values());
    return this.request(type, fields, pixels);
  }

  private replaceDead(): void {
    for (const [index, thread] of this.threads.entries()) {
      if (thread.alive || this.replacing.has(index)) continue;
      const replacement = ModelThread.start(this.entry, this.data, this.label).then(async (fresh) => {
        if (this.closedWith) await fresh.close(this.closedWith.message);
        else this.threads[index] = fresh;
      });
      const tracked = replacement.finally(() => this.replacing.delete(index));
      tracked.catch(() => undefined);
      this.replacing.set(index, tracked);
    }
  }

  async close(reason: string): Promise<void> {
    this.closedWith ??= new Error(reason);
    await Promise.allSettled(this.replacing.values());
    await Promise.all(this.threads.map((t) => t.close(reason)));
  }
}

/**
 * Thread side: loads the model once, announces `info(model)`, then answers requests one at a time, in
 * arrival order (a burst queues here instead of interleaving and holding every image at once).
 * `dispose` requests are answered by `dispose(model)`.
 */
export function serveModel<M, D>(options: {
  load: (data: D) => Promise<M>;
  info?: (model: M) => unknown;
  handle: (model: M, request: ThreadRequest) => Promise<unknown>;
  dispose: (model: M) => Promise<void>;
}): void {
  const port = parentPort;
  if (!port) throw new Error('serveModel must run in a worker thread');
  const model = options.load(workerData as D);
  model.then(
    (m) => port.postMessage({ type: 'ready', info: options.info?.(m) }),
    (error: unknown) => port.postMessage({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
  let queue: Promise<void> = Promise.resolve();
  let running = false;
  let ending = false;
  port.on('message', (request: ThreadRequest) => {
    if (request.type === END) {
      // Handled at once, not queued: exit now when idle, else as soon as the running call returns.
      ending = true;
      if (!running) process.exit(1);
      return;
    }
    queue = queue.then(async () => {
      if (ending) return;
      running = true;
      let reply: Reply;
      try {
        const m = await model;
        const output = request.type === 'dispose' ? await options.dispose(m) : await options.handle(m, request);
        reply = { type: 'result', id: request.id, ok: true, output };
      } catch (error) {
        reply = { type: 'result', id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) };
      }
      running = false;
      // A synchronous model call (tfjs wasm) holds the thread: let an END that arrived meanwhile be seen,
      // so the call's result is lost as in a crash and the request rejects with the thread's exit.
      await new Promise((resolve) => setImmediate(resolve));
      if (ending) process.exit(1);
      port.postMessage(reply);
    });
  });
}

/** Pixels as they arrive in the thread. */
export function pixelsOf(request: ThreadRequest): { data: Buffer; width: number; height: number; channels: 3 } {
  return { data: Buffer.from(request.data as ArrayBuffer), width: request.width as number, height: request.height as number, channels: 3 };
}
