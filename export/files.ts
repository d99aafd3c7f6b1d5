/**
 * Files an export writes, and how they appear: everything is written into a hidden staging folder beside
 * the output (`.<out>.partial-<pid>-<n>`), and only a finished export is renamed to the output folder.
 * A killed export therefore leaves no file under the output name — only a staging folder, which the next
 * export to the same place removes once its process is gone.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { asUnwritable, UnwritableError } from '../lib/unwritable.ts';

/** Buffered appends to one file; `write` awaits the disk only when 1 MiB has gathered (backpressure). */
export class FileSink {
  private chunks: Buffer[] = [];
  private pending = 0;
  bytes = 0;
  private constructor(
    private handle: FileHandle,
    readonly path: string,
  ) {}

  static async create(path: string): Promise<FileSink> {
    await mkdir(dirname(path), { recursive: true });
    return new FileSink(await open(path, 'w'), path);
  }

  async write(data: string | Buffer): Promise<void> {
    const buffer = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    this.chunks.push(buffer);
    this.pending += buffer.length;
    this.bytes += buffer.length;
    if (this.pending >= 1 << 20) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pending === 0) return;
    const data = Buffer.concat(this.chunks, this.pending);
    this.chunks = [];
    this.pending = 0;
    await this.handle.write(data);
  }

  async close(): Promise<void> {
    await this.flush();
    await this.handle.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let counter = 0;

/**
 * Runs `write(staging)` and then puts the staging folder in place of `outDir` (an existing output is
 * replaced only after the new one is complete). On failure the staging folder is removed.
 */
export async function writeAtomically<T>(outDir: string, write: (staging: string) => Promise<T>): Promise<T> {
  const out = resolve(outDir);
  const parent = dirname(out);
  const name = basename(out);
  try {
    await mkdir(parent, { recursive: true });
    removeStaleStaging(parent, name);
  } catch (error) {
    // A recursive mkdir that meets a regular file on the way says EEXIST: the path runs through a file.
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new UnwritableError(e.path ?? parent, 'ENOTDIR', 'export folder');
    throw unwritableOr(error, parent, parent);
  }
  const staging = join(parent, `.${name}.partial-${process.pid}-${counter++}`);
  try {
    await mkdir(staging);
  } catch (error) {
    throw unwritableOr(error, parent, staging);
  }
  try {
    const result = await write(staging);
    const old = join(parent, `.${name}.old-${process.pid}-${counter++}`);
    if (existsSync(out)) await rename(out, old);
    await rename(staging, out);
    await rm(old, { recursive: true, force: true });
    return result;
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw unwritableOr(error, parent, staging);
  }
}

/**
 * A full disk or a read-only folder under the export's parent becomes one UnwritableError naming the path;
 * anything else (a failing image read under the dataset root, a bug) is passed on as it is.
 */
function unwritableOr(error: unknown, parent: string, fallback: string): unknown {
  const path = (error as NodeJS.ErrnoException).path ?? fallback;
  const inside = path === parent || path.startsWith(parent + sep);
  return (inside && asUnwritable(error, 'export folder', fallback)) || error;
}

/** Staging / replaced folders of exports whose process is gone (killed mid-way). */
function removeStaleStaging(parent: string, name: string): void {
  const pattern = new RegExp(`^\\.${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(partial|old)-(\\d+)-\\d+$`);
  for (const entry of readdirSync(parent)) {
    const match = pattern.exec(entry);
    if (match && !isAlive(Number(match[2]))) rmSync(join(parent, entry), { recursive: true, force: true });
  }
}
