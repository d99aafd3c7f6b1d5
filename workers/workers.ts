/**
 * Workers per task queue. Production runs one kind per machine type (`fusecap worker --queues vision` on a
 * CPU box, `--queues gpu` on a GPU box, io + llm anywhere); the embedded default runs all four in one
 * process, sharing one database handle and one set of loaded models.
 */
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { join } from 'node:path';
import { createActivities, type ActivityDeps } from '../activities/index.ts';
import type { TaskQueueKind } from '../stages/registry.ts';

export const ALL_QUEUES: TaskQueueKind[] = ['io', 'vision', 'llm', 'gpu'];

/** How many activities of each kind one worker runs at once: vision work is CPU-bound (2 cores here). */
const CONCURRENCY: Record<TaskQueueKind, number> = { io: 8, vision: 2, llm: 8, gpu: 1 };

export interface WorkerSetOptions extends ActivityDeps {
  address: string;
  namespace?: string;
  prefix: string;
  queues: TaskQueueKind[];
  /** Pre-built workflow bundle (bench and tests build it once); built on the fly when absent. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  concurrency?: Partial<Record<TaskQueueKind, number>>;
}

export const WORKFLOWS_PATH = join(import.meta.dirname, '..', 'workflows', 'index.ts');

let bundlePromise: Promise<WorkflowBundleWithSourceMap> | undefined;

/** Bundles workflows/ once per process (about a second); workers load the bundle instead of bundling each. */
export function workflowBundle(): Promise<WorkflowBundleWithSourceMap> {
  bundlePromise ??= bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundlePromise;
}

const quietBundlerLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};

export interface WorkerSet {
  workers: Worker[];
  connection: NativeConnection;
  /** Resolves when all workers have stopped (after shutdown()). */
  run(): Promise<void>;
  shutdown(): Promise<void>;
}

export async function createWorkerSet(options: WorkerSetOptions): Promise<WorkerSet> {
  const connection = await NativeConnection.connect({ address: options.address });
  const activities = createActivities(options);
  const bundle = options.queues.includes('io') ? (options.workflowBundle ?? (await workflowBundle())) : undefined;
  const workers: Worker[] = [];
  for (const kind of options.queues) {
    workers.push(
      await Worker.create({
        connection,
        namespace: options.namespace ?? 'default',
        taskQueue: `${options.prefix}-${kind}`,
        activities,
        // Workflows run beside the io activities: they are light, and io is the queue every deployment has.
        ...(kind === 'io' ? { workflowBundle: bundle } : {}),
        maxConcurrentActivityTaskExecutions: options.concurrency?.[kind] ?? CONCURRENCY[kind],
        shutdownGraceTime: '10s',
      }),
    );
  }
  let running: Promise<void> | undefined;
  return {
    workers,
    connection,
    run() {
      running ??= Promise.all(workers.map((w) => w.run())).then(() => undefined);
      return running;
    },
    async shutdown() {
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await running;
      await connection.close();
    },
  };
}
