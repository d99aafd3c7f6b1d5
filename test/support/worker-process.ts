/**
 * A worker in its own process, for tests that SIGKILL it: serves all queues of FUSECAP_QUEUE_PREFIX
 * against DATABASE_URL and TEMPORAL_ADDRESS, prints "ready" once polling.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { openDatabase } from '../../db/client.ts';
import { ALL_QUEUES, createWorkerSet } from '../../workers/workers.ts';

Runtime.install({ logger: new DefaultLogger('ERROR') });
const database = await openDatabase({ url: process.env.DATABASE_URL! });
const set = await createWorkerSet({
  db: database.db,
  stateDir: process.env.FUSECAP_HOME ?? '/tmp',
  address: process.env.TEMPORAL_ADDRESS!,
  prefix: process.env.FUSECAP_QUEUE_PREFIX!,
  queues: ALL_QUEUES,
});
const running = set.run();
console.log('ready');
process.once('SIGTERM', () => void set.shutdown());
await running;
await database.close();
