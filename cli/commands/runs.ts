/** run, status, resume: starting pipeline runs and following them. */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { FusecapDatasetKey, FusecapRunKindKey } from '../../workflows/search-attributes.ts';
import { readFileSync } from 'node:fs';
import { configSchema, type FusecapConfigInput } from '../../config/schema.ts';
import type { StageBatchResult } from '../../activities/stage-batch.ts';
import type { EnrichProgress } from '../../workflows/enrich.ts';
import { addBatchResults, addRunningCount } from '../../workflows/totals.ts';
import type { PipelineInput, PipelineResult, PipelineStatus } from '../../workflows/pipeline.ts';
import { queueName } from '../../workflows/queues.ts';
import type { Session } from '../context.ts';
import { renderTotals } from '../progress.ts';

/** Reads a JSON config file and validates it here, so a bad config fails before a run starts. */
export function loadConfigFile(path: string | undefined, overrides: FusecapConfigInput = {}): FusecapConfigInput {
  let fromFile: FusecapConfigInput = {};
  if (path) {
    try {
      fromFile = JSON.parse(readFileSync(path, 'utf8')) as FusecapConfigInput;
    } catch (error) {
      throw new Error(`cannot read config ${path}: ${(error as Error).message}`, { cause: error });
    }
  }
  const merged = deepMerge(fromFile as Record<string, unknown>, overrides as Record<string, unknown>) as FusecapConfigInput;
  const parsed = configSchema.safeParse(merged);
  if (!parsed.success) {
    throw new Error(`invalid config: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return merged;
}

function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && a[k] && typeof a[k] === 'object'
        ? deepMerge(a[k] as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export function newRunId(datasetId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return `fusecap-${datasetId}-${stamp}`;
}

export async function startPipeline(session: Session, input: PipelineInput, runId = newRunId(input.datasetId)): Promise<WorkflowHandle> {
  return session.client.workflow.start('fuseCapPipeline', {
    taskQueue: queueName(session.options.prefix, 'io'),
    workflowId: runId,
    args: [input],
    // Set at start as well as by the workflow, so `fusecap status` lists a run that still waits for a worker.
    typedSearchAttributes: runSearchAttributes(input.datasetId, input.kind ?? 'pipeline'),
  });
}

export async function pipelineStatus(
  client: Client,
  runId: string,
): Promise<{ status: PipelineStatus | null; progress: EnrichProgress | null; state: string }> {
  const handle = client.workflow.getHandle(runId);
  const description = await handle.describe();
  const state = description.status.name;
  let status: PipelineStatus | null = null;
  let progress: EnrichProgress | null = null;
  try {
    status = await handle.query<PipelineStatus>('status');
    if (status?.enrichWorkflowId) {
      try {
        progress = await client.workflow.getHandle(status.enrichWorkflowId).query<EnrichProgress>('progress');
        if (progress?.batchesRunning?.length) progress = await withRunningBatches(client, progress);
      } catch {
        // Not started yet, or closed and its worker gone: the pipeline's own totals are the fallback.
      }
    }
  } catch {
    // Closed runs answer queries only while a worker can replay them; describe() still tells the state.
  }
  return { status, progress, state };
}

/**
 * Adds what running batches have done to the totals, so progress moves while a batch runs: the stages
 * they finished (their batchProgress query), and for a stage still running, the images its activity's
 * last heartbeat counted as done (a slow stage such as an LLM fuser moves image by image).
 */
async function withRunningBatches(client: Client, progress: EnrichProgress): Promise<EnrichProgress> {
  const totals = structuredClone(progress.totals);
  for (const id of progress.batchesRunning ?? []) {
    try {
      const handle = client.workflow.getHandle(id);
      const finished = await handle.query<StageBatchResult[]>('batchProgress');
      addBatchResults(totals, finished);
      const running = heartbeatsOf(await handle.describe()).filter((beat) => !finished.some((r) => r.stage === beat.stage));
      for (const beat of running) addRunningCount(totals, beat.stage, beat.done);
    } catch {
      // Finished between the two queries (its results are in the next totals), or recorded before this query existed.
    }
  }
  return { ...progress, totals };
}

/** The `{stage, done, of}` details that runStageBatch heartbeats, from a batch's pending activities. */
function heartbeatsOf(description: WorkflowExecutionDescription): { stage: string; done: number }[] {
  const beats: { stage: string; done: number }[] = [];
  for (const activity of description.raw.pendingActivities ?? []) {
    const payload = activity.heartbeatDetails?.payloads?.[0];
    if (!payload) continue;
    try {
      const detail = defaultPayloadConverter.fromPayload<{ stage?: unknown; done?: unknown }>(payload);
      if (typeof detail?.stage === 'string' && typeof detail.done === 'number') beats.push({ stage: detail.stage, done: detail.done });
    } catch {
      // Not our heartbeat's shape: nothing to count.
    }
  }
  return beats;
}

export function formatStatus(runId: string, s: Awaited<ReturnType<typeof pipelineStatus>>): string {
  const lines = [`run ${runId}: ${s.state.toLowerCase()}${s.status ? ` (${s.status.phase})` : ''}`];
  if (s.status) {
    lines.push(`  dataset ${s.status.datasetId}, images seq (${s.status.afterSeq}, ${s.status.untilSeq}]`);
    // During captioning the progress query answers for the caption pass only; merge with the enrichment totals.
    const totals = { ...(s.status.totals ?? {}), ...(s.progress?.totals ?? {}) };
    const planned = s.progress?.imagesPlanned ?? s.status.untilSeq - s.status.afterSeq;
    lines.push(renderTotals(totals, planned, s.status.stages));
    if (s.status.error) lines.push(`  error: ${s.status.error}`);
  }
  return lines.join('\n');
}

/** Prints progress until the run closes; returns its result (or throws its failure). */
export async function followRun(
  session: Session,
  runId: string,
  print: (text: string) => void = (t) => console.log(t),
): Promise<PipelineResult> {
  const handle = session.client.workflow.getHandle(runId);
  const result = handle.result() as Promise<PipelineResult>;
  let finished = false;
  result.then(
    () => (finished = true),
    () => (finished = true),
  );
  let last = '';
  let lastPrinted = 0;
  while (!finished) {
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, 1000))]);
    if (finished) break;
    try {
      const text = formatStatus(runId, await pipelineStatus(session.client, runId));
      // Without a terminal, print on change but not more than every 5 s, so logs stay readable.
      if (text !== last && (process.stdout.isTTY || Date.now() - lastPrinted > 5000)) {
        print(text);
        last = text;
        lastPrinted = Date.now();
      }
    } catch {
      // The run may be between continue-as-new executions; try again next tick.
    }
  }
  return result;
}

/**
 * Resume a failed, terminated, cancelled or timed-out run, or a completed one whose stored errors may pass
 * now: start it again under the same workflow id with the same input and `retryErrors`. Every stage result
 * already stored is found and skipped, so only the missing work runs, plus the images whose recorded error
 * may pass (lib/error-codes.ts: a restored file, an upstream stage that has a result now, old stage_error rows).
 */
export async function resumeRun(session: Session, runId: string): Promise<WorkflowHandle> {
  const handle = session.client.workflow.getHandle(runId);
  let description;
  try {
    description = await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new Error(`no run ${runId}: see \`fusecap status\` for run ids`, { cause: error });
    throw error;
  }
  const state = description.status.name;
  if (state === 'RUNNING') throw new Error(`run ${runId} is still running: nothing to resume`);
  const history = await handle.fetchHistory();
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const payload = started?.input?.payloads?.[0];
  if (!payload?.data) throw new Error(`run ${runId} has no input to resume from`);
  const input = (await session.client.options.loadedDataConverter.payloadConverter.fromPayload(payload)) as PipelineInput;
  return session.client.workflow.start(description.type, {
    taskQueue: description.taskQueue,
    workflowId: runId,
    args: [{ ...input, retryErrors: true }],
    typedSearchAttributes: description.typedSearchAttributes,
  });
}

/** The search attributes a run carries from its start (the workflow upserts the same ones). */
export function runSearchAttributes(datasetId: string, kind: string) {
  return [
    { key: FusecapDatasetKey, value: datasetId },
    { key: FusecapRunKindKey, value: kind },
  ];
}
