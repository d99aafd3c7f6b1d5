/**
 * Real services for tests: the PostgreSQL server and Temporal dev server that scripts/test-all.sh started
 * (DATABASE_URL, TEMPORAL_ADDRESS), or — when a single test file is run by hand — ones started here in
 * .fusecap/test-services and reused by later runs. Each test gets its own database and task-queue prefix.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, type WorkflowBundle } from '@temporalio/worker';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../db/client.ts';
import { createTestDatabase, dropDatabase, ensurePostgres, uniqueDatabaseName } from '../../services/postgres.ts';
import { ensureTemporalServer } from '../../services/temporal-server.ts';
import type { TaskQueueKind } from '../../stages/registry.ts';
import { ALL_QUEUES, createWorkerSet, workflowBundle, type WorkerSet } from '../../workers/workers.ts';

import { REPO_ROOT } from '../../lib/paths.ts';

export { REPO_ROOT };
export const SAMPLE_DIR = join(REPO_ROOT, 'data', 'sample');
const LOCAL_SERVICES = join(REPO_ROOT, '.fusecap', 'test-services');

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // installed already in this process
}

export async function postgresAdminUrl(): Promise<string> {
  return (await ensurePostgres(LOCAL_SERVICES)).url;
}

export async function temporalAddress(): Promise<string> {
  return (await ensureTemporalServer(LOCAL_SERVICES, { headless: true })).address;
}

/** A fresh database on the real PostgreSQL server, migrated, dropped by cleanup(). */
export async function freshPostgres(label: string): Promise<Database & { url: string; cleanup(): Promise<void> }> {
  const admin = await postgresAdminUrl();
  const name = uniqueDatabaseName(label);
  const url = await createTestDatabase(admin, name);
  const database = await openDatabase({ url });
  return {
    ...database,
    url,
    async cleanup() {
      await database.close();
      await dropDatabase(admin, name);
    },
  };
}

/** A fresh PGlite database in a temp dir. */
export async function freshPglite(): Promise<Database & { cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'fusecap-pglite-'));
  const database = await openDatabase({ pgliteDir: dir });
  return { ...database, cleanup: () => database.close() };
}

export function uniquePrefix(label: string): string {
  return `t-${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}

export interface TemporalHarness {
  address: string;
  client: Client;
  connection: Connection;
  prefix: string;
  bundle: WorkflowBundle;
  startWorkers(db: Database['db'], queues?: TaskQueueKind[], stateDir?: string): Promise<WorkerSet>;
  close(): Promise<void>;
}

export async function temporalHarness(label: string): Promise<TemporalHarness> {
  const address = await temporalAddress();
  const connection = await Connection.connect({ address });
  const client = new Client({ connection });
  const prefix = uniquePrefix(label);
  const bundle = await workflowBundle();
  const sets: WorkerSet[] = [];
  return {
    address,
    client,
    connection,
    prefix,
    bundle,
    async startWorkers(db, queues = ALL_QUEUES, stateDir = mkdtempSync(join(tmpdir(), 'fusecap-state-'))) {
      const set = await createWorkerSet({ db, stateDir, address, prefix, queues, workflowBundle: bundle });
      void set.run();
      sets.push(set);
      return set;
    },
    async close() {
      for (const s of sets) await s.shutdown().catch(() => undefined);
      await connection.close();
    },
  };
}
