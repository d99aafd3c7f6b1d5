/**
 * caption stage: a FuseCap BLIP checkpoint, exported to ONNX, writes a caption for each image
 * (captioner/onnx-captioner.ts). The model version is the export's sha256 (ONNX files + tokenizer), so
 * a new checkpoint re-captions while the old captions stay keyed to the old model.
 * One captioner per worker process and export folder, created on first use (or by load()).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { FusecapConfig } from '../config/schema.ts';
import type { ModelRef } from '../experts/types.ts';
import { decodeImage } from '../lib/image.ts';
import { ModelSlot } from '../lib/model-slot.ts';
import {
  CAPTIONER_CODE_VERSION,
  CaptionerModelError,
  createOnnxCaptioner,
  type ExportMeta,
  type OnnxCaptioner,
} from '../captioner/onnx-captioner.ts';
import type { StageImpl } from './types.ts';

export interface CaptionOutput {
  caption: string;
  tokens: number[];
  model: ModelRef;
  beams: number;
  maxLength: number;
  prompt: string;
}

const slot = new ModelSlot<OnnxCaptioner>();

function exportDirOf(config: FusecapConfig): string {
  const dir = config.caption.exportDir;
  if (!dir) {
    throw new CaptionerModelError(
      'config caption.exportDir is not set: train a checkpoint and export it (python -m fusecap_trainer export) first',
    );
  }
  return path.resolve(dir);
}

function modelName(config: FusecapConfig, dir: string): string {
  return config.caption.checkpointId ?? path.basename(dir);
}

/** describe() is synchronous: read export.json's checksum directly. */
function exportRef(config: FusecapConfig): ModelRef {
  const dir = exportDirOf(config);
  let meta: ExportMeta;
  try {
    meta = JSON.parse(readFileSync(path.join(dir, 'export.json'), 'utf8')) as ExportMeta;
  } catch (error) {
    throw new CaptionerModelError(`caption export ${dir}: cannot read export.json (config caption.exportDir): ${(error as Error).message}`);
  }
  return { id: `fusecap-blip/${modelName(config, dir)}`, version: `${meta.sha256}+${CAPTIONER_CODE_VERSION}` };
}

async function getCaptioner(config: FusecapConfig): Promise<OnnxCaptioner> {
  const dir = exportDirOf(config);
  const { threads, batchSize } = config.caption;
  const key = JSON.stringify({ dir, threads, batchSize, name: modelName(config, dir) });
  return slot.get(key, () => createOnnxCaptioner({ exportDir: dir, name: modelName(config, dir), threads, batchSize }));
}

export const captionStage: StageImpl<CaptionOutput> = {
  name: 'caption',
  captionSource: 'generated',
  describe(config) {
    const { beams, maxLength, prompt } = config.caption;
    return { model: exportRef(config), params: { beams, maxLength, prompt } };
  },
  async load(config) {
    await getCaptioner(config);
  },
  async run(input, config) {
    const captioner = await getCaptioner(config);
    input.signal.throwIfAborted();
    const image = await decodeImage(input.image.path);
    input.signal.throwIfAborted();
    const { beams, maxLength, prompt } = config.caption;
    const [result] = await captioner.captionWithTokens([image], { beams, maxLength, prompt });
    return { caption: result.caption, tokens: result.tokens, model: captioner.model, beams, maxLength, prompt };
  },
  captionOf(output) {
    return output.caption;
  },
  dispose: () => slot.dispose(),
};
