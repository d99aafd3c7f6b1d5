/**
 * Where scripts/setup-vision-models.sh puts the models it fetches from pinned PyPI wheels (U2-Net-p, the
 * EfficientNet-Lite0 export, PP-OCRv6): .fusecap/models/ under the project root, or FUSECAP_MODELS_DIR. A missing
 * file is a clear error that names the command that makes it.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** The folder itself (its files are checked by whoever reads them). */
export function setupModelsDir(): string {
  return process.env.FUSECAP_MODELS_DIR ?? join(ROOT, '.fusecap', 'models');
}

export function setupModelPath(file: string): string {
  const path = join(setupModelsDir(), file);
  if (!existsSync(path)) throw new Error(`model file ${path} is missing; run bash scripts/setup-vision-models.sh (npm run setup runs it)`);
  return path;
}
