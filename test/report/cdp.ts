/**
 * A minimal Chrome DevTools Protocol client over --remote-debugging-pipe (fd 3 = commands in, fd 4 =
 * events/results out, messages separated by NUL). The pipe needs no WebSocket, so it works on Node 20
 * without flags or extra packages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

export interface CdpEvent {
  method: string;
  params: Record<string, unknown>;
  sessionId?: string;
}

export class HeadlessChromium {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners: ((e: CdpEvent) => void)[] = [];
  private buffer = '';

  private constructor(
    private readonly proc: ChildProcess,
    private readonly userDataDir: string,
  ) {
    const out = proc.stdio[4] as Readable;
    out.setEncoding('utf8');
    out.on('data', (chunk: string) => {
      this.buffer += chunk;
      let nul: number;
      while ((nul = this.buffer.indexOf('\0')) >= 0) {
        const msg = JSON.parse(this.buffer.slice(0, nul));
        this.buffer = this.buffer.slice(nul + 1);
        if (msg.id !== undefined) {
          const p = this.pending.get(msg.id);
          this.pending.delete(msg.id);
          if (msg.error) p?.reject(new Error(`CDP ${msg.error.message}`));
          else p?.resolve(msg.result);
        } else {
          for (const l of this.listeners) l(msg as CdpEvent);
        }
      }
    });
  }

  static launch(executable = process.env.CHROMIUM ?? '/usr/bin/chromium'): HeadlessChromium {
    const userDataDir = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
    const proc = spawn(
      executable,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-dev-shm-usage',
        `--user-data-dir=${userDataDir}`,
        '--remote-debugging-pipe',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] },
    );
    return new HeadlessChromium(proc, userDataDir);
  }

  onEvent(listener: (e: CdpEvent) => void): void {
    this.listeners.push(listener);
  }

  send<T = Record<string, unknown>>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> {
    const id = this.nextId++;
    const msg = JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) });
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      (this.proc.stdio[3] as Writable).write(msg + '\0');
    });
  }

  waitFor(method: string, sessionId: string, timeoutMs = 20_000): Promise<CdpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${method}`)), timeoutMs);
      this.onEvent((e) => {
        if (e.method === method && e.sessionId === sessionId) {
          clearTimeout(timer);
          resolve(e);
        }
      });
    });
  }

  async close(): Promise<void> {
    try {
      await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      // the browser may already be gone
    }
    if (this.proc.exitCode === null) this.proc.kill();
    await new Promise((r) => (this.proc.exitCode !== null ? r(null) : this.proc.once('exit', r)));
    rmSync(this.userDataDir, { recursive: true, force: true });
  }
}
