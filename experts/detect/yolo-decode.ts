/**
 * Decoding the raw output of YOLO-family ONNX exports. Two layouts exist in the wild:
 *
 * - "anchor-free" (YOLOv8 / v11 Ultralytics export): `[1, 4 + C, N]`, channel-major; per anchor
 *   cx, cy, w, h then C class probabilities; no objectness.
 * - "objectness" (YOLOv5 / v7): `[1, N, 5 + C]`, anchor-major; per anchor cx, cy, w, h, objectness,
 *   then C class probabilities; the score is objectness × class probability.
 *
 * Box values are in model-input pixels (the letterboxed square). The layout is told apart by which axis
 * matches the class count, so the labels list must have exactly C entries.
 */
export type YoloLayout = 'anchor-free' | 'objectness';

export interface YoloCandidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classIndex: number;
}

export function detectYoloLayout(dims: readonly number[], numClasses: number): YoloLayout {
  if (dims.length !== 3 || dims[0] !== 1) {
    throw new Error(`YOLO output must be [1, 4+C, N] or [1, N, 5+C]; got [${dims.join(', ')}]`);
  }
  if (dims[1] === 4 + numClasses) return 'anchor-free';
  if (dims[2] === 5 + numClasses) return 'objectness';
  throw new Error(
    `YOLO output [${dims.join(', ')}] fits neither [1, ${4 + numClasses}, N] nor [1, N, ${5 + numClasses}] for ${numClasses} labels; ` +
      'pass the labels list the model was trained with',
  );
}

export function decodeYolo(data: Float32Array, dims: readonly number[], numClasses: number, minScore: number): YoloCandidate[] {
  const layout = detectYoloLayout(dims, numClasses);
  const out: YoloCandidate[] = [];
  if (layout === 'anchor-free') {
    const n = dims[2];
    const at = (channel: number, anchor: number) => data[channel * n + anchor];
    for (let a = 0; a < n; a++) {
      let best = -1;
      let bestScore = minScore;
      for (let c = 0; c < numClasses; c++) {
        const s = at(4 + c, a);
        if (s >= bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (best >= 0) out.push(fromCenter(at(0, a), at(1, a), at(2, a), at(3, a), bestScore, best));
    }
  } else {
    const n = dims[1];
    const stride = 5 + numClasses;
    for (let a = 0; a < n; a++) {
      const o = a * stride;
      const objectness = data[o + 4];
      if (objectness < minScore) continue; // score ≤ objectness, so nothing in this row can pass
      let best = -1;
      let bestScore = minScore;
      for (let c = 0; c < numClasses; c++) {
        const s = objectness * data[o + 5 + c];
        if (s >= bestScore) {
          bestScore = s;
          best = c;
        }
      }
      if (best >= 0) out.push(fromCenter(data[o], data[o + 1], data[o + 2], data[o + 3], bestScore, best));
    }
  }
  return out;
}

function fromCenter(cx: number, cy: number, w: number, h: number, score: number, classIndex: number): YoloCandidate {
  return { x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classIndex };
}
