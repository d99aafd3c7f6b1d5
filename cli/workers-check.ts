/**
 * Is anyone serving fusecap's task queues? A schedule, a `--detach`ed run or a resumed run only makes
 * progress while a worker polls its queues; Temporal's DescribeTaskQueue lists the pollers it has seen.
 */
import type { TaskQueueKind } from '../stages/registry.ts';
import { ALL_QUEUES } from '../workers/workers.ts';
import { queueName } from '../workflows/queues.ts';
import type { Session } from './context.ts';

// temporal.api.enums.v1 values (TaskQueueType WORKFLOW = 1, ACTIVITY = 2; TaskQueueKind NORMAL = 1).
const TASK_QUEUE_TYPE_WORKFLOW = 1;
const TASK_QUEUE_TYPE_ACTIVITY = 2;
const TASK_QUEUE_KIND_NORMAL = 1;

/**
 * A poller counts as live when it polled within this window. The server keeps pollers it saw for five
 * minutes, and an idle worker's long poll lasts up to a minute before it polls again, so a worker that
 * stopped less than this long ago still counts.
 */
export const LIVE_POLLER_MS = 90_000;

export interface QueueWorkers {
  kind: TaskQueueKind;
  queue: string;
  /** Identities of live workflow pollers (only the io queue runs workflows). */
  workflowPollers: string[];
  activityPollers: string[];
  /** Nobody serves what this queue is for: workflow tasks on io, activity tasks on every queue. */
  unserved: boolean;
}

type Timestamp = { seconds?: number | { toNumber(): number } | null; nanos?: number | null } | null | undefined;

function timestampMs(ts: Timestamp): number {
  if (!ts) return 0;
  const seconds = typeof ts.seconds === 'number' ? ts.seconds : (ts.seconds?.toNumber() ?? 0);
  return seconds * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
}

async function livePollers(
  session: Session,
  queue: string,
  type: typeof TASK_QUEUE_TYPE_WORKFLOW | typeof TASK_QUEUE_TYPE_ACTIVITY,
): Promise<string[]> {
  const response = await session.connection.workflowService.describeTaskQueue({
    namespace: session.options.namespace,
    taskQueue: { name: queue, kind: TASK_QUEUE_KIND_NORMAL },
    taskQueueType: type,
  });
  const since = Date.now() - LIVE_POLLER_MS;
  return (response.pollers ?? []).filter((p) => timestampMs(p.lastAccessTime as Timestamp) >= since).map((p) => p.identity ?? '?');
}

/** Live pollers of each fusecap queue of this session's prefix. */
export async function queueWorkers(session: Session, kinds: readonly TaskQueueKind[] = ALL_QUEUES): Promise<QueueWorkers[]> {
  return Promise.all(
    kinds.map(async (kind) => {
      const queue = queueName(session.options.prefix, kind);
      const [workflowPollers, activityPollers] = await Promise.all([
        kind === 'io' ? livePollers(session, queue, TASK_QUEUE_TYPE_WORKFLOW) : Promise.resolve([]),
        livePollers(session, queue, TASK_QUEUE_TYPE_ACTIVITY),
      ]);
      const unserved = activityPollers.length === 0 || (kind === 'io' && workflowPollers.length === 0);
      return { kind, queue, workflowPollers, activityPollers, unserved };
    }),
  );
}

/** The warning `schedule create` / `schedule trigger` print when queues lack workers; null when all are served. */
export function noWorkerWarning(workers: readonly QueueWorkers[], what: string): string | null {
  const unserved = workers.filter((w) => w.unserved);
  if (unserved.length === 0) return null;
  const kinds = unserved.map((w) => w.kind);
  const names = unserved.map((w) => w.queue).join(', ');
  const allMissing = unserved.length === workers.length;
  return [
    `warning: no worker serves ${names}, so ${what} until one does.`,
    allMissing
      ? '  Start one and keep it running: `fusecap up` (Temporal dev server + every worker), or `fusecap worker --queues io,vision,llm,gpu`.'
      : `  Start the missing kind and keep it running: \`fusecap worker --queues ${kinds.join(',')}\`.`,
    '  `fusecap status` shows such runs as waiting.',
  ].join('\n');
}
