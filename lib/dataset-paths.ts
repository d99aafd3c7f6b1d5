/**
 * Dataset files are read only inside the dataset root, whatever symlinks say. A manifest line may name a
 * link (`img/x.jpg -> /etc/passwd`) or sit under a linked folder; resolving the real path and comparing it
 * with the real root refuses both. Ingest checks once; the batch activity checks again right before a
 * stage opens the file (the link may have changed in between) and hands the stage the real path.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

/** True when `path` (absolute) is `root` itself or below it, by name only. */
export function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('..');
}

const realRoots = new Map<string, Promise<string>>();

/** realpath of a dataset root, remembered per process (roots do not move under a running worker). */
function realRoot(root: string): Promise<string> {
  let real = realRoots.get(root);
  if (!real) {
    real = realpath(root);
    real.catch(() => realRoots.delete(root));
    realRoots.set(root, real);
  }
  return real;
}

/**
 * The real path of `file` (relative to `root`, or absolute) when it lies inside the real root; `null` when
 * it, or a link on its way, leads outside. Rejects like fs.realpath when the file (or a link's target)
 * does not exist.
 */
export async function realPathInside(root: string, file: string): Promise<string | null> {
  const named = resolve(root, file);
  if (!isInside(resolve(root), named)) return null;
  const [real, base] = await Promise.all([realpath(named), realRoot(resolve(root))]);
  return isInside(base, real) ? real : null;
}
