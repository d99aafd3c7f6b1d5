/**
 * Task queues by resource: <prefix>-io (ingest, probe, database), <prefix>-vision (detect, attributes,
 * ocr), <prefix>-llm (fuse), <prefix>-gpu (train, caption). Workflows run on the io queue, and derive the
 * prefix from the queue they run on, so a test (or a second deployment) with its own prefix never meets
 * another's workers.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { TaskQueueKind } from '../stages/registry.ts';

export const DEFAULT_QUEUE_PREFIX = 'fusecap';

export function queueName(prefix: string, kind: TaskQueueKind): string {
  return `${prefix}-${kind}`;
}

/** Inside a workflow: the prefix of the queue this workflow runs on ("fusecap-io" → "fusecap"). */
export function currentQueuePrefix(): string {
  const queue = workflowInfo().taskQueue;
  const cut = queue.lastIndexOf('-');
  return cut > 0 ? queue.slice(0, cut) : queue;
}
