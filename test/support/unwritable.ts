/**
 * Makes a real folder refuse writes, by the means that works for the user the tests run as: `chmod 0555`
 * on every folder for an ordinary user; for root, whom permission bits do not stop, the immutable
 * attribute (`chattr +i`, refused with EPERM). Either way the test then checks that a write really fails,
 * so a machine where neither works fails the test instead of passing it silently.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const asRoot = process.getuid?.() === 0;

function folders(root: string): string[] {
  const out = [root];
  for (const entry of readdirSync(root, { withFileTypes: true }))
    if (entry.isDirectory() && !entry.isSymbolicLink()) out.push(...folders(join(root, entry.name)));
  return out;
}

/** Locks `root` and every folder under it; returns the function that unlocks them again. */
export function lockFolders(root: string): () => void {
  const locked = folders(root);
  if (asRoot) execFileSync('chattr', ['+i', ...locked]);
  else for (const dir of locked) chmodSync(dir, 0o555);
  const probe = join(root, '.write-probe');
  let writable = true;
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch {
    writable = false;
  }
  const unlock = () => {
    if (asRoot) execFileSync('chattr', ['-i', ...locked]);
    else for (const dir of locked) chmodSync(dir, 0o755);
  };
  if (writable) {
    unlock();
    throw new Error(`could not make ${root} unwritable (${asRoot ? 'chattr +i' : 'chmod 0555'} did not stop a write)`);
  }
  return unlock;
}

/** How the folders were locked, for test names and messages. */
export const LOCK_MEANS = asRoot ? 'chattr +i (immutable, as root)' : 'chmod 0555';
