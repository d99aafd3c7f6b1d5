/**
 * Paths every layer agrees on: the repository root (this file lives in `<root>/lib/`), and the one way a
 * run id (a Temporal workflow id: any string) becomes a file or folder name.
 */
import { resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '..');

/** A workflow id as a single path segment: anything but letters, digits, '_', '.' and '-' becomes '_'. */
export function safeFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]/g, '_');
}
