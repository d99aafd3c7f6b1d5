/**
 * CLIP zero-shot attributes per object crop, through transformers.js `zero-shot-image-classification`.
 * `model` is a local folder (loaded offline) or a hub id. For each object the candidate texts are
 * "a photo of a {attribute} {label}", so the attribute is judged on that kind of object ("a photo of a
 * wooden bench"). Scores are the softmax over the vocabulary, as CLIP's zero-shot head gives them.
 */
import type { DecodedImage } from '../../lib/image.ts';
import { ModelFileError, resolveTransformersModel } from '../../lib/model-files.ts';

export const DEFAULT_ATTRIBUTE_VOCABULARY = [
  'wooden',
  'metal',
  'plastic',
  'glass',
  'furry',
  'striped',
  'spotted',
  'shiny',
  'wet',
  'dirty',
  'old',
  'new',
  'broken',
  'young',
  'smiling',
  'sleeping',
  'running',
  'standing',
  'sitting',
  'flying',
] as const;

export interface ClipAttributes {
  classify(crop: DecodedImage, label: string, topK: number): Promise<{ label: string; score: number }[]>;
  dispose(): Promise<void>;
}

export async function loadClipAttributes(options: { model: string; vocabulary?: readonly string[] }): Promise<ClipAttributes> {
  const vocabulary = [...(options.vocabulary ?? DEFAULT_ATTRIBUTE_VOCABULARY)];
  if (vocabulary.length < 2) throw new Error('CLIP attribute vocabulary needs at least two entries (softmax over one is always 1)');
  const { pipeline, env, RawImage } = await import('@huggingface/transformers');
  const where = resolveTransformersModel(options.model);
  if (where.local) {
    env.localModelPath = where.root!;
    env.allowLocalModels = true;
  }
  let classifier: Awaited<ReturnType<typeof pipeline<'zero-shot-image-classification'>>>;
  try {
    classifier = await pipeline('zero-shot-image-classification', where.id, { local_files_only: where.local });
  } catch (error) {
    throw new ModelFileError(
      `CLIP model "${options.model}" could not be loaded (config attributes.clipModel): ${(error as Error).message}`,
      options.model,
    );
  }
  return {
    async classify(crop, label, topK) {
      const image = new RawImage(new Uint8Array(crop.data.buffer, crop.data.byteOffset, crop.data.byteLength), crop.width, crop.height, 3);
      const result = (await classifier(image, vocabulary, { hypothesis_template: `a photo of a {} ${label}` })) as {
        label: string;
        score: number;
      }[];
      return result.slice(0, topK).map((r) => ({ label: r.label, score: Math.round(r.score * 1e4) / 1e4 }));
    },
    async dispose() {
      await classifier.dispose();
    },
  };
}
