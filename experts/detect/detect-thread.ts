/**
 * The detector in worker threads, behind the same Detector interface (lib/model-thread.ts says why).
 * Pixels cross as a transferred copy (~1 ms per megapixel); results come back as structured clones.
 *
 * `options.threads` threads each load the model: one CenterNet call runs on a single core (tfjs' wasm
 * backend has no threads in Node), so on a 2-core vision worker a second thread is what lets two
 * concurrent detections (two detect activities, or a caller that asks ahead) use both cores. A thread
 * that dies is replaced by the pool; the detection that was running on it rejects.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { ModelThreadPool } from '../../lib/model-thread.ts';
import type { DetectOutput, ModelRef } from '../types.ts';
import type { Detector, DetectorOptions } from './index.ts';

export async function createThreadedDetector(options: DetectorOptions): Promise<Detector> {
  const pool = await ModelThreadPool.start(
    new URL('./detect-thread-entry.ts', import.meta.url),
    { ...options, workerThread: false },
    'detect',
    options.threads ?? 1,
  );
  return {
    model: pool.info as ModelRef,
    detect: (image: DecodedImage) =>
      pool.request('detect', { width: image.width, height: image.height }, image.data) as Promise<DetectOutput>,
    healthy: () => pool.open,
    dispose: () => pool.close('detector was disposed'),
  };
}
