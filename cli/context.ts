/**
 * What every CLI command needs: the state dir, a Temporal client (starting the embedded dev server when no
 * TEMPORAL_ADDRESS is set), and workers — either those of a running `fusecap up`, or an embedded set
 * started inside this process for the duration of the command.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDatabaseTarget, openDatabase, type Database } from '../db/client.ts';
import { ensureTemporalServer } from '../services/temporal-server.ts';
import { isPidAlive } from '../services/util.ts';
import type { TaskQueueKind } from '../stages/registry.ts';
import { ALL_QUEUES, createWorkerSet, type WorkerSet } from '../workers/workers.ts';
import { DEFAULT_QUEUE_PREFIX } from '../workflows/queues.ts';

export interface CliOptions {
  stateDir: string;
  prefix: string;
  namespace: string;
}

export function defaultCliOptions(): CliOptions {
  return {
    stateDir: resolve(process.env.FUSECAP_HOME ?? '.fusecap'),
    prefix: process.env.FUSECAP_QUEUE_PREFIX ?? DEFAULT_QUEUE_PREFIX,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
  };
}

let runtimeInstalled = false;
/** The SDK logs every worker state change at INFO (and a warning per activity-only queue); a CLI wants errors only. */
export function quietTemporalRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger(process.env.FUSECAP_LOG_LEVEL === 'debug' ? 'INFO' : 'ERROR') });
  } catch {
    // Already installed by the embedding program (tests): keep theirs.
  }
}

export interface Session {
  options: CliOptions;
  client: Client;
  connection: Connection;
  address: string;
  uiUrl?: string;
  close(): Promise<void>;
}

export async function openSession(options: CliOptions = defaultCliOptions()): Promise<Session> {
  mkdirSync(options.stateDir, { recursive: true });
  const server = await ensureTemporalServer(options.stateDir, { namespace: options.namespace });
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: options.namespace });
  return { options, client, connection, address: server.address, uiUrl: server.uiUrl, close: () => connection.close() };
}

const workerRecord = (stateDir: string) => join(stateDir, 'worker.json');

/** A live `fusecap up` in this state dir (its workers serve every queue of its prefix). */
export function runningUpProcess(options: CliOptions): { pid: number; prefix: string } | null {
  const file = workerRecord(options.stateDir);
  if (!existsSync(file)) return null;
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; prefix: string };
    return record.prefix === options.prefix && isPidAlive(record.pid) ? record : null;
  } catch {
    return null;
  }
}

export interface EmbeddedWorkers {
  set: WorkerSet;
  database: Database;
  done: Promise<void>;
  stop(): Promise<void>;
}

export async function startWorkers(session: Session, queues: TaskQueueKind[] = ALL_QUEUES, record = false): Promise<EmbeddedWorkers> {
  quietTemporalRuntime();
  const database = await openDatabase(defaultDatabaseTarget(session.options.stateDir));
  const set = await createWorkerSet({
    db: database.db,
    stateDir: session.options.stateDir,
    address: session.address,
    namespace: session.options.namespace,
    prefix: session.options.prefix,
    queues,
  });
  const done = set.run();
  if (record)
    writeFileSync(workerRecord(session.options.stateDir), JSON.stringify({ pid: process.pid, prefix: session.options.prefix, queues }));
  let stopped = false;
  return {
    set,
    database,
    done,
    async stop() {
      if (stopped) return;
      stopped = true;
      await set.shutdown();
      await database.close();
      if (record) rmSync(workerRecord(session.options.stateDir), { force: true });
    },
  };
}

/**
 * Workers for a command that needs its work done: none when `fusecap up` (or FUSECAP_EXTERNAL_WORKERS=1,
 * for deployments whose workers run elsewhere) serves the queues, else an embedded set in this process.
 */
export async function workersForCommand(session: Session): Promise<EmbeddedWorkers | null> {
  if (process.env.FUSECAP_EXTERNAL_WORKERS === '1' || runningUpProcess(session.options)) return null;
  return startWorkers(session);
}
