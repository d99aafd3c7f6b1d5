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
 * The thread machinery is lib/model-thread.ts, shared with the detector: a pool of one thread, so a
 * thread that dies is replaced. Each engine owns its thread; the ocr stage keeps one engine per process.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { ModelThreadPool } from '../../lib/model-thread.ts';
import type { ModelRef, OcrOutput } from '../types.ts';
import { paddleModelRef } from './model-ref.ts';
import { assertDecodedImage, type OcrEngine, type OcrOptions } from './types.ts';

export class PaddleThreadOcr implements OcrEngine {
  private disposed = false;

  private constructor(
    readonly model: ModelRef,
    private readonly thread: ModelThreadPool,
  ) {}

  static async create(options: OcrOptions): Promise<PaddleThreadOcr> {
    const entry = new URL('./paddle-thread-entry.ts', import.meta.url);
    const model = paddleModelRef(options.model);
    return new PaddleThreadOcr(model, await ModelThreadPool.start(entry, { ...options, workerThread: false }, 'OCR', 1));
  }

  healthy(): boolean {
    return !this.disposed && this.thread.open;
  }

  async read(image: DecodedImage): Promise<OcrOutput> {
    assertDecodedImage(image);
    if (this.disposed) throw new Error('OCR engine used after dispose()');
    return this.thread.request('read', { width: image.width, height: image.height }, image.data) as Promise<OcrOutput>;
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.thread.close('OCR engine used after dispose()');
  }
}
