/**
 * transformers.js detectors: `object-detection` (DETR, YOLOS, …) or, when a labels list is given,
 * `zero-shot-object-detection` (OWL-ViT / OWLv2). `model` is a local folder (loaded with
 * local_files_only, never touching the network) or a hub id (downloaded into transformers.js' cache).
 * The pipeline returns corner boxes in pixels of the image it was given; we give it the upright
 * decoded pixels, so they are already in our coordinate system.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { detectorModelRef } from './model-ref.ts';
import type { Candidate } from './nms.ts';
import type { RawDetector } from './raw-detector.ts';
import { ModelFileError, resolveTransformersModel } from '../../lib/model-files.ts';

interface PipelineBox {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}
interface PipelineDetection {
  label: string;
  score: number;
  box: PipelineBox;
}

export interface TransformersDetectorOptions {
  model: string;
  labels?: readonly string[];
}

export async function loadTransformersDetector(options: TransformersDetectorOptions): Promise<RawDetector> {
  const { pipeline, env, RawImage } = await import('@huggingface/transformers');
  const where = resolveTransformersModel(options.model);
  if (where.local) {
    // env is process-global; it is set right before this load and only matters while loading.
    env.localModelPath = where.root!;
    env.allowLocalModels = true;
  }
  const zeroShot = Boolean(options.labels && options.labels.length > 0);
  const task = zeroShot ? 'zero-shot-object-detection' : 'object-detection';
  let run: (image: InstanceType<typeof RawImage>, minScore: number) => Promise<PipelineDetection[]>;
  let disposable: { dispose(): Promise<unknown> };
  try {
    if (zeroShot) {
      const p = await pipeline('zero-shot-object-detection', where.id, { local_files_only: where.local });
      const labels = [...options.labels!];
      run = async (image, minScore) => (await p(image, labels, { threshold: minScore })) as PipelineDetection[];
      disposable = p;
    } else {
      const p = await pipeline('object-detection', where.id, { local_files_only: where.local });
      run = async (image, minScore) => (await p(image, { threshold: minScore })) as PipelineDetection[];
      disposable = p;
    }
  } catch (error) {
    throw new ModelFileError(
      `transformers.js ${task} model "${options.model}" could not be loaded: ${(error as Error).message}`,
      options.model,
    );
  }
  return {
    model: detectorModelRef({ backend: 'transformers', model: options.model, labels: options.labels }),
    async candidates(image: DecodedImage, minScore: number): Promise<Candidate[]> {
      const raw = new RawImage(
        new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength),
        image.width,
        image.height,
        3,
      );
      const found = await run(raw, minScore);
      return found.map((d) => ({
        label: d.label,
        score: d.score,
        box: {
          x: Math.max(0, d.box.xmin),
          y: Math.max(0, d.box.ymin),
          width: Math.min(image.width, d.box.xmax) - Math.max(0, d.box.xmin),
          height: Math.min(image.height, d.box.ymax) - Math.max(0, d.box.ymin),
        },
      }));
    },
    async dispose() {
      await disposable.dispose();
    },
  };
}
