/**
 * Any YOLO-style ONNX detector through onnxruntime-node (CPU). Input: one image tensor
 * [1, 3, S, S] float32, RGB scaled to 0..1, letterboxed with grey 114 padding (the Ultralytics
 * convention); S comes from the model's input metadata, 640 when the dimension is symbolic.
 * Output decoding: yolo-decode.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { DecodedImage } from '../../lib/image.ts';
import { COCO_80 } from './coco-labels.ts';
import { cornersToImageBox, letterbox } from './letterbox.ts';
import { detectorModelRef } from './model-ref.ts';
import type { Candidate } from './nms.ts';
import type { RawDetector } from './raw-detector.ts';
import { ModelFileError } from '../../lib/model-files.ts';
import { decodeYolo } from './yolo-decode.ts';

const DEFAULT_SIDE = 640;

export async function loadOnnxDetector(options: { modelPath: string; labels?: readonly string[]; threads?: number }): Promise<RawDetector> {
  const file = path.resolve(options.modelPath);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(`ONNX detector file ${file} is ${code === 'ENOENT' ? 'missing' : 'unreadable'} (config detect.model)`, file);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: options.threads ?? 1, graphOptimizationLevel: 'all' });
  } catch (error) {
    throw new ModelFileError(`ONNX detector file ${file} is corrupt or not an ONNX model: ${(error as Error).message}`, file);
  }
  const labels = options.labels ?? COCO_80;
  const inputName = session.inputNames[0];
  const meta = session.inputMetadata[0];
  const dims = meta && meta.isTensor ? meta.shape : [];
  const side = typeof dims[2] === 'number' && dims[2] > 0 ? dims[2] : DEFAULT_SIDE;
  if (typeof dims[3] === 'number' && dims[3] > 0 && dims[3] !== side) {
    throw new Error(`ONNX detector ${file}: only square inputs are supported, model wants ${dims[2]}×${dims[3]}`);
  }
  return {
    // The weights' hash is the version: a different file is a different model.
    model: detectorModelRef({ backend: 'onnx', model: file, labels: options.labels }),
    async candidates(image: DecodedImage, minScore: number): Promise<Candidate[]> {
      const lb = await letterbox(image, side, 114);
      const plane = side * side;
      const chw = new Float32Array(3 * plane);
      for (let i = 0; i < plane; i++) {
        for (let c = 0; c < 3; c++) chw[c * plane + i] = lb.pixels[i * 3 + c] / 255;
      }
      // onnxruntime-node runs the session on its own threads; the event loop stays free meanwhile.
      const result = await session.run({ [inputName]: new ort.Tensor('float32', chw, [1, 3, side, side]) });
      const output = result[session.outputNames[0]];
      const decoded = decodeYolo(output.data as Float32Array, output.dims, labels.length, minScore);
      return decoded.map((d) => ({
        label: labels[d.classIndex],
        score: d.score,
        box: cornersToImageBox(d.x1, d.y1, d.x2, d.y2, lb, image.width, image.height),
      }));
    },
    async dispose() {
      await session.release();
    },
  };
}
