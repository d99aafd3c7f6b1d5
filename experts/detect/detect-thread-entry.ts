/** Worker-thread side of the threaded detector: one in-process Detector (tfjs wasm) served by lib/model-thread.ts. */
import { pixelsOf, serveModel } from '../../lib/model-thread.ts';
import { createDetector, type Detector, type DetectorOptions } from './index.ts';

serveModel<Detector, DetectorOptions>({
  load: (options) => createDetector({ ...options, workerThread: false }),
  info: (detector) => detector.model,
  handle: (detector, request) => detector.detect(pixelsOf(request)),
  dispose: (detector) => detector.dispose(),
});
