/**
 * Model files as every expert and metric finds them: one error type naming the file that is missing or
 * corrupt, and how a transformers.js model reference (local folder or hub id) resolves.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

/** A model file that is missing, truncated or of the wrong kind; `file` is the path the message names. */
export class ModelFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/** Resolves `model` to transformers.js' (localModelPath, id) pair; a path that looks local must exist. */
export function resolveTransformersModel(model: string): { local: boolean; root?: string; id: string } {
  const looksLocal = model.startsWith('.') || model.startsWith('/') || existsSync(model);
  if (!looksLocal) return { local: false, id: model };
  const abs = path.resolve(model);
  if (!existsSync(path.join(abs, 'config.json'))) {
    throw new ModelFileError(`transformers.js model folder ${abs} has no config.json (config detect.model / attributes.clipModel)`, abs);
  }
  return { local: true, root: path.dirname(abs) + path.sep, id: path.basename(abs) };
}
