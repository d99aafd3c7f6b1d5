/**
 * What every detector backend provides before the shared post-processing (thresholding, class-wise NMS,
 * sorting): candidates with boxes already in upright-image pixels.
 */
import type { DecodedImage } from '../../lib/image.ts';
import type { ModelRef } from '../types.ts';
import type { Candidate } from './nms.ts';

export interface RawDetector {
  readonly model: ModelRef;
  /** Candidates at or above `minScore`; duplicates allowed. Boxes in pixels of `image`. */
  candidates(image: DecodedImage, minScore: number): Promise<Candidate[]>;
  dispose(): Promise<void>;
}

/**
 * Lets pending callbacks (Temporal heartbeats, sockets) run before a synchronous model call. tfjs' wasm
 * backend executes a whole graph synchronously on the calling thread, so this is where the loop breathes.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
