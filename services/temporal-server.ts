// Runs `temporal server start-dev` as fusecap's Temporal cluster for one machine: SQLite-persisted, so
// workflow histories (and therefore runs in flight) survive a restart of the server, with the project's
// search attributes registered at start.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { FUSECAP_SEARCH_ATTRIBUTES, searchAttributeCliArgs } from '../workflows/search-attributes.ts';
import { findOrBuildTemporalCli } from './temporal-cli.ts';
import {
  freePort,
  isPidAlive,
  isPortFree,
  logTail,
  pidCommandLine,
  readJson,
  sleep,
  waitForExit,
  withLockFile,
  writeJsonAtomic,
} from './util.ts';

export interface TemporalDevServerOptions {
  /** SQLite file; created on first start, reused after. */
  dbFile: string;
  /** Front-end gRPC port; a free one when not given. */
  port?: number;
  /** Web UI port; a free one when not given (ignored when headless). */
  uiPort?: number;
  namespace?: string;
  /** No Web UI. */
  headless?: boolean;
  /** stdout + stderr of the server, appended. */
  logFile: string;
  /** CLI binary; found or built via findOrBuildTemporalCli() when not given. */
  cli?: string;
  /** Let the server outlive this process (for `fusecap up`); otherwise it is killed when we exit. */
  detached?: boolean;
  /** Server log level: debug | info | warn | error | never. Default warn. */
  logLevel?: string;
  /** How long to wait for the gRPC port to serve; default 90 s (first start creates the SQLite schema). */
  readyTimeoutMs?: number;
  /** More `start-dev` flags, e.g. `['--dynamic-config-value', 'limit.historyCount.error=...']`. */
  extraArgs?: string[];
}

export interface TemporalDevServer {
  /** host:port for `Connection.connect({ address })`. */
  address: string;
  /** Web UI, when not headless. */
  uiUrl?: string;
  namespace: string;
  pid: number;
  stop(): Promise<void>;
}

const IP = '127.0.0.1';

/**
 * Connects to `address` and asks the server for its system info and the namespace. Resolves when both
 * answer; rejects with the last error otherwise.
 */
export async function probeTemporal(address: string, namespace = 'default', timeoutMs = 3_000): Promise<void> {
  const connection = await Connection.connect({ address, connectTimeout: timeoutMs });
  try {
    const deadline = new Date(Date.now() + timeoutMs);
    await connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({}));
    await connection.withDeadline(deadline, () => connection.workflowService.describeNamespace({ namespace }));
  } finally {
    await connection.close();
  }
}

/** Polls probeTemporal() until it succeeds, the deadline passes, or `isDead()` says the process exited. */
async function waitForTemporal(
  address: string,
  namespace: string,
  timeoutMs: number,
  isDead: () => boolean,
  logFile: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (isDead()) {
      throw new Error(`temporal server exited during start-up. Log tail (${logFile}):\n${await logTail(logFile)}`);
    }
    try {
      await probeTemporal(address, namespace, 2_000);
      return;
    } catch (err) {
      lastError = err;
    }
    await sleep(250);
  }
  throw new Error(
    `temporal server at ${address} did not answer within ${timeoutMs} ms (last error: ${
      (lastError as Error | undefined)?.message ?? 'none'
    }). Log tail (${logFile}):\n${await logTail(logFile)}`,
  );
}

export async function startTemporalDevServer(opts: TemporalDevServerOptions): Promise<TemporalDevServer> {
  const namespace = opts.namespace ?? 'default';
  const cli = opts.cli ?? (await findOrBuildTemporalCli());
  const port = opts.port ?? (await freePort(IP));
  let uiPort = opts.uiPort;
  if (!opts.headless && uiPort === undefined) {
    // The CLI's default (port + 1000) may be taken; ask the OS instead, avoiding the gRPC port.
    do uiPort = await freePort(IP);
    while (uiPort === port);
  }
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.resolve(opts.dbFile),
    '--ip',
    IP,
    '--port',
    String(port),
    '--log-level',
    opts.logLevel ?? 'warn',
    ...(opts.headless ? ['--headless'] : ['--ui-port', String(uiPort)]),
    // "default" always exists; naming it again is harmless but noisy.
    ...(namespace === 'default' ? [] : ['--namespace', namespace]),
    ...searchAttributeCliArgs(FUSECAP_SEARCH_ATTRIBUTES),
    // Activities on the workflow's own queue (io: probe, bookkeeping) start in the same round trip as the
    // workflow task that schedules them, instead of waiting for a poll: a fixed saving per batch.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // One partition per task queue: with the default four, a task written to a partition without a waiting
    // poller is forwarded after a delay, which cost ~35 ms per dispatch here. One server, one partition.
    '--dynamic-config-value',
    'matching.numTaskqueueReadPartitions=1',
    '--dynamic-config-value',
    'matching.numTaskqueueWritePartitions=1',
    // WAL with synchronous=NORMAL: a commit no longer waits for an fsync of the whole database, which
    // dominated every workflow/activity round trip; a crash of the server process still loses nothing
    // (only a power loss can drop the last transactions, acceptable for the embedded dev server).
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...(opts.extraArgs ?? []),
  ];
  mkdirSync(path.dirname(path.resolve(opts.dbFile)), { recursive: true });
  mkdirSync(path.dirname(path.resolve(opts.logFile)), { recursive: true });
  // A file, not a pipe: a detached server must keep logging after we are gone.
  const logFd = openSync(opts.logFile, 'a');
  const child = spawn(cli, args, {
    detached: opts.detached ?? false,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  const pid = child.pid;
  if (pid === undefined) await spawnError;
  const serverPid = pid as number;

  // An attached server must not outlive a test process that forgot stop() or crashed.
  const killOnExit = (): void => {
    try {
      process.kill(serverPid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  if (opts.detached) child.unref();
  else process.once('exit', killOnExit);

  const address = `${IP}:${port}`;
  try {
    await waitForTemporal(address, namespace, opts.readyTimeoutMs ?? 90_000, () => exited, opts.logFile);
  } catch (err) {
    killOnExit();
    process.removeListener('exit', killOnExit);
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    address,
    uiUrl: opts.headless ? undefined : `http://${IP}:${uiPort}`,
    namespace,
    pid: serverPid,
    stop() {
      // SIGTERM lets the server close SQLite cleanly; SIGKILL after 15 s.
      stopped ??= (async () => {
        process.removeListener('exit', killOnExit);
        if (!exited) {
          try {
            process.kill(serverPid, 'SIGTERM');
          } catch {
            return;
          }
          await waitForExit(serverPid, 15_000);
        }
      })();
      return stopped;
    },
  };
}

/** What `<dir>/temporal.json` records about a detached server. */
export interface TemporalServerRecord {
  pid: number;
  address: string;
  port: number;
  uiUrl?: string;
  namespace: string;
  dbFile: string;
  logFile: string;
  cli: string;
  startedAt: string;
  stoppedAt?: string;
}

export interface EnsuredTemporalServer {
  address: string;
  namespace: string;
  uiUrl?: string;
  /** `env`: TEMPORAL_ADDRESS; `reused`: a live recorded server; `started`: we started it now. */
  source: 'env' | 'reused' | 'started';
  pid?: number;
}

export interface EnsureTemporalOptions {
  /** Preferred gRPC port for a new server; else the previously recorded one if free, else any free port. */
  port?: number;
  uiPort?: number;
  headless?: boolean;
  namespace?: string;
  cli?: string;
  /** Ignore TEMPORAL_ADDRESS (tests of this module). */
  ignoreEnv?: boolean;
}

export const temporalRecordFile = (dir: string): string => path.join(dir, 'temporal.json');

/**
 * A Temporal server for this machine: `$TEMPORAL_ADDRESS` when set; else the server recorded in
 * `<dir>/temporal.json` if it is alive; else a new detached one on `<dir>/temporal.db`, recorded so that
 * `fusecap up` and every later command share it.
 */
export async function ensureTemporalServer(dir: string, opts: EnsureTemporalOptions = {}): Promise<EnsuredTemporalServer> {
  const envAddress = opts.ignoreEnv ? undefined : process.env.TEMPORAL_ADDRESS;
  if (envAddress) {
    const namespace = opts.namespace ?? process.env.TEMPORAL_NAMESPACE ?? 'default';
    try {
      await probeTemporal(envAddress, namespace, 10_000);
    } catch (err) {
      throw new Error(`TEMPORAL_ADDRESS=${envAddress} does not answer (namespace ${namespace}): ${(err as Error).message}`, {
        cause: err,
      });
    }
    return { address: envAddress, namespace, source: 'env' };
  }
  const dirAbs = path.resolve(dir);
  const recordFile = temporalRecordFile(dirAbs);
  return withLockFile(path.join(dirAbs, 'temporal.lock'), async () => {
    const rec = await readJson<TemporalServerRecord>(recordFile);
    if (rec && isPidAlive(rec.pid) && (await pidCommandLine(rec.pid)).includes('start-dev')) {
      try {
        await probeTemporal(rec.address, rec.namespace, 5_000);
        return { address: rec.address, namespace: rec.namespace, uiUrl: rec.uiUrl, source: 'reused', pid: rec.pid };
      } catch {
        // Alive pid but no server: the pid was reused by something else, or the server hangs. Start anew.
      }
    }
    const namespace = opts.namespace ?? rec?.namespace ?? 'default';
    // Keep the address stable across restarts when we can, so printed addresses stay valid.
    const port = opts.port ?? (rec && rec.port && (await isPortFree(rec.port)) ? rec.port : await freePort());
    const recordedUiPort = rec?.uiUrl ? Number(new URL(rec.uiUrl).port) : undefined;
    const uiPort =
      opts.uiPort ?? (recordedUiPort && recordedUiPort !== port && (await isPortFree(recordedUiPort)) ? recordedUiPort : undefined);
    const dbFile = path.join(dirAbs, 'temporal.db');
    const logFile = path.join(dirAbs, 'temporal.log');
    const cli = opts.cli ?? (await findOrBuildTemporalCli());
    const server = await startTemporalDevServer({
      dbFile,
      logFile,
      port,
      uiPort,
      headless: opts.headless,
      namespace,
      cli,
      detached: true,
    });
    const record: TemporalServerRecord = {
      pid: server.pid,
      address: server.address,
      port,
      uiUrl: server.uiUrl,
      namespace,
      dbFile,
      logFile,
      cli,
      startedAt: new Date().toISOString(),
    };
    await writeJsonAtomic(recordFile, record);
    return { address: server.address, namespace, uiUrl: server.uiUrl, source: 'started', pid: server.pid };
  });
}

/** Stops the server recorded in `<dir>/temporal.json` if alive. Keeps the DB and the record. */
export async function stopTemporalServer(dir: string): Promise<boolean> {
  const dirAbs = path.resolve(dir);
  return withLockFile(path.join(dirAbs, 'temporal.lock'), async () => {
    const rec = await readJson<TemporalServerRecord>(temporalRecordFile(dirAbs));
    if (!rec) return false;
    let wasRunning = false;
    // Only signal the pid if it still is a start-dev server: pids get reused after a reboot.
    const cmdline = isPidAlive(rec.pid) ? await pidCommandLine(rec.pid) : '';
    if (cmdline.includes('start-dev')) {
      wasRunning = true;
      try {
        process.kill(rec.pid, 'SIGTERM');
      } catch {
        // gone between the check and the signal
      }
      await waitForExit(rec.pid, 15_000);
    }
    // Keep the record (ports, files) so the next start reuses the same address and UI URL.
    if (wasRunning) await writeJsonAtomic(temporalRecordFile(dirAbs), { ...rec, stoppedAt: new Date().toISOString() });
    return wasRunning;
  });
}
