/**
 * Activity proxies, one group per kind of work, with the timeouts and retry policy for that kind.
 * Errors that cannot get better by retrying are typed non-retryable where they are thrown.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities/index.ts';
import { stageSpec, type TaskQueueKind } from '../stages/registry.ts';
import { currentQueuePrefix, queueName } from './queues.ts';

const NON_RETRYABLE = ['InvalidConfig', 'UnknownDataset', 'BadManifest', 'ModelLoadError', 'InvalidTrainConfig'];

/** Database bookkeeping: quick, retried briefly then with backoff (the database may be restarting). */
export function bookkeeping() {
  return proxyActivities<Activities>({
    taskQueue: queueName(currentQueuePrefix(), 'io'),
    startToCloseTimeout: '2 minutes',
    retry: {
      initialInterval: '1s',
      backoffCoefficient: 2,
      maximumInterval: '30s',
      maximumAttempts: 20,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

export function ingestActivities() {
  return proxyActivities<Activities>({
    taskQueue: queueName(currentQueuePrefix(), 'io'),
    startToCloseTimeout: '6 hours',
    heartbeatTimeout: '2 minutes',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '1 minute',
      maximumAttempts: 10,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/** The batch activity of one stage, on the queue of the resource that stage needs. */
export function stageActivities(stage: string) {
  const spec = stageSpec(stage);
  return proxyActivities<Activities>({
    taskQueue: queueName(currentQueuePrefix(), spec.queue),
    startToCloseTimeout: `${spec.batchTimeoutSeconds} seconds`,
    // The batch activity beats every 5 s and after every image, so a dead worker is found within 30 s.
    heartbeatTimeout: '30 seconds',
    retry: {
      initialInterval: '2s',
      backoffCoefficient: 2,
      maximumInterval: '2 minutes',
      maximumAttempts: 10,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/**
 * The benchmark: on io when it only reads the database (metrics, enrichment statistics), on gpu when it
 * needs the trained captioner (retrieval scores). Long: METEOR and retrieval scoring take minutes on big sets.
 */
export function benchmarkActivities(kind: TaskQueueKind) {
  return proxyActivities<Activities>({
    taskQueue: queueName(currentQueuePrefix(), kind),
    startToCloseTimeout: '12 hours',
    heartbeatTimeout: '10 minutes',
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      maximumAttempts: 5,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}

/**
 * Long GPU work (training) beats every step and every 5 s, so a lost worker is noticed within a minute and
 * the retry resumes from the last recorded checkpoint.
 */
export function gpuActivities(kind: TaskQueueKind = 'gpu') {
  return proxyActivities<Activities>({
    taskQueue: queueName(currentQueuePrefix(), kind),
    startToCloseTimeout: '72 hours',
    heartbeatTimeout: '45 seconds',
    retry: {
      initialInterval: '5s',
      backoffCoefficient: 2,
      maximumInterval: '5 minutes',
      maximumAttempts: 5,
      nonRetryableErrorTypes: NON_RETRYABLE,
    },
  });
}
