/**
 * A place the pipeline must write to (artifacts, an export folder) that refuses writes: read-only,
 * permission denied, full disk, quota, or a path through a regular file. These are never the input's
 * fault and never pass by retrying within seconds, so callers fail fast with one error that names the
 * path; the stored state stays as it was, and the run is resumed once the place is writable again.
 */

/** errno codes that mean "this path cannot be written now", with the words a user reads. */
const UNWRITABLE: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a parent of the path is not a folder',
};

export class UnwritableError extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    what = 'path',
  ) {
    super(`cannot write ${what} ${path}: ${UNWRITABLE[code] ?? code} (${code})`);
    this.name = 'UnwritableError';
  }
}

export function isUnwritableCode(code: string | undefined): boolean {
  return code !== undefined && code in UNWRITABLE;
}

/**
 * The UnwritableError for a Node fs error with one of those codes (its own path, or `fallbackPath` when
 * the error carries none), else null. `what` says what the path is for ("artifacts path", "export folder").
 */
export function asUnwritable(error: unknown, what?: string, fallbackPath?: string): UnwritableError | null {
  if (error instanceof UnwritableError) return error;
  const e = error as NodeJS.ErrnoException | undefined;
  if (!e || typeof e !== 'object' || !isUnwritableCode(e.code)) return null;
  const path = e.path ?? fallbackPath;
  return path ? new UnwritableError(path, e.code!, what) : null;
}
