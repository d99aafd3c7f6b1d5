/** Helpers for tests that run workers in their own processes (to SIGKILL them) and read failure chains. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './services.ts';

/** Starts test/support/worker-process.ts with these variables; resolves once it polls. */
export function startWorkerProcess(env: Record<string, string>, children: ChildProcess[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test', 'support', 'worker-process.ts')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && resolve(child));
    child.once('exit', (code) => reject(new Error(`worker exited early with ${code}`)));
  });
}

/** Messages of an error and its causes: Temporal wraps activity failures in ActivityFailure. */
export function causeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as Error | undefined; e && parts.length < 6; e = e.cause as Error | undefined) parts.push(e.message);
  return parts.join(' <- ');
}
