/**
 * The ONNX conversions of human-models' CenterNet and NanoDet that ship with the project in
 * models/detect/ (made by scripts/convert-detectors/convert.sh; manifest.json records each file's
 * sha256, the sha256 of the human-models files it came from, the converter versions and the opset).
 * Shipping them means no machine needs the 3.2 GB conversion toolchain.
 *
 * A shipped file is checked against its manifest hash when it is opened (graph-runner.ts): a truncated
 * checkout or a half-copied file fails with the file's name and how to get it back, not with a protobuf
 * error. No onnxruntime import here: model refs read the manifest without loading a runtime.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ModelFileError } from '../../lib/model-files.ts';

export const CONVERTED_DIR = fileURLToPath(new URL('../../models/detect/', import.meta.url));
export const MANIFEST_FILE = path.join(CONVERTED_DIR, 'manifest.json');
export const REBUILD_HINT =
  'restore it with `git checkout -- models/detect` or rebuild it with `bash scripts/convert-detectors/convert.sh` (see scripts/convert-detectors/README.md)';

export type ConvertedName = 'centernet' | 'nanodet';

interface TensorInfo {
  name: string;
  shape: number[];
}

export interface ConvertedModel {
  /** Absolute path of the .onnx file. */
  file: string;
  sha256: string;
  /** human-models version the file was converted from. */
  sourceVersion: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

interface ManifestEntry {
  file: string;
  sha256: string;
  source: { version: string };
  inputs: TensorInfo[];
  outputs: TensorInfo[];
}

let manifest: Record<string, ManifestEntry> | null = null;

/** The manifest entry of a shipped conversion; read once (it is small), synchronously so model refs can use it. */
export function convertedModel(name: ConvertedName): ConvertedModel {
  if (!manifest) {
    let parsed: { models?: Record<string, ManifestEntry> };
    try {
      parsed = JSON.parse(readFileSync(MANIFEST_FILE, 'utf8'));
    } catch (error) {
      const why = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'corrupt';
      throw new ModelFileError(`ONNX detector manifest ${MANIFEST_FILE} is ${why}; ${REBUILD_HINT}`, MANIFEST_FILE);
    }
    if (!parsed.models) throw new ModelFileError(`ONNX detector manifest ${MANIFEST_FILE} has no "models"; ${REBUILD_HINT}`, MANIFEST_FILE);
    manifest = parsed.models;
  }
  const entry = manifest[name];
  if (!entry?.sha256 || !entry.file) {
    throw new ModelFileError(`ONNX detector manifest ${MANIFEST_FILE} has no entry for ${name}; ${REBUILD_HINT}`, MANIFEST_FILE);
  }
  return {
    file: path.join(CONVERTED_DIR, entry.file),
    sha256: entry.sha256,
    sourceVersion: entry.source.version,
    inputs: entry.inputs,
    outputs: entry.outputs,
  };
}
