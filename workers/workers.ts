/**
 * Workers per task queue. Production runs one kind per machine type (`fusecap worker --queues vision` on a
 * CPU box, `--queues gpu` on a GPU box, io + llm anywhere); the embedded default runs all four in one
 * process, sharing one database handle and one set of loaded models.
 */
import { NativeConnection, Worker, bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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
  workflowBundle?: WorkflowBundle;
  concurrency?: Partial<Record<TaskQueueKind, number>>;
}

export const WORKFLOWS_PATH = join(import.meta.dirname, '..', 'workflows', 'index.ts');

let bundlePromise: Promise<WorkflowBundle> | undefined;

/**
 * The workflow bundle, once per process. A deployment image builds it at image build time
 * (scripts/build-workflow-bundle.ts) and points FUSECAP_WORKFLOW_BUNDLE at the file; everywhere else
 * workflows/ is bundled here (about a second).
 */
export function workflowBundle(): Promise<WorkflowBundle> {
  const prebuilt = process.env.FUSECAP_WORKFLOW_BUNDLE;
  bundlePromise ??= prebuilt
    ? Promise.resolve({ code: readFileSync(prebuilt, 'utf8') })
    : bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  return bundlePromise;
}

/** Bundles workflows/ into `file` (written to a temporary name, then renamed); returns its size in bytes. */
export async function writeWorkflowBundle(file: string): Promise<number> {
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: quietBundlerLogger });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.tmp`, code);
  renameSync(`${file}.tmp`, file);
  return Buffer.byteLength(code);
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
