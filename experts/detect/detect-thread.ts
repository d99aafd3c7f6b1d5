/**
 * The detector in a worker thread, behind the same Detector interface (lib/model-thread.ts says why).
 * Pixels cross as a transferred copy (~1 ms per megapixel); results come back as structured clones.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { ModelThread } from '../../lib/model-thread.ts';
import type { DetectOutput, ModelRef } from '../types.ts';
import type { Detector, DetectorOptions } from './index.ts';

export async function createThreadedDetector(options: DetectorOptions): Promise<Detector> {
  const thread = await ModelThread.start(
    new URL('./detect-thread-entry.ts', import.meta.url),
    { ...options, workerThread: false },
    'detect',
  );
  return {
    model: thread.info as ModelRef,
    detect: (image: DecodedImage) =>
      thread.request('detect', { width: image.width, height: image.height }, image.data) as Promise<DetectOutput>,
    dispose: () => thread.close('detector was disposed'),
  };
}
