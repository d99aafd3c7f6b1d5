/**
 * `fusecap status`: one row per run (pipeline, scheduled, ingest) read from Temporal alone, so it works
 * with or without a worker and never opens the embedded database a worker may hold. Counts come from the
 * run's query while a worker serves it, from its result once it completed; a running run whose queues
 * have no live worker is shown as waiting.
 */
import { WorkflowNotFoundError, type WorkflowExecutionInfo } from '@temporalio/client';
import type { IngestResult } from '../../ingest/ingest-dataset.ts';
import { FusecapDatasetKey, FusecapRunKindKey } from '../../workflows/search-attributes.ts';
import { isStageName, STAGE_SPECS, type TaskQueueKind } from '../../stages/registry.ts';
import type { StageTotals } from '../../workflows/enrich.ts';
import type { PipelineResult, PipelineStatus } from '../../workflows/pipeline.ts';
import { queueName } from '../../workflows/queues.ts';
import type { Session } from '../context.ts';
import { queueWorkers, type QueueWorkers } from '../workers-check.ts';
import { pipelineStatus } from './runs.ts';

export const RUN_KINDS = ['pipeline', 'scheduled', 'ingest'] as const;

export interface RunSummary {
  id: string;
  workflowType: string;
  dataset: string | null;
  kind: string | null;
  /** Temporal's status in lower case, or "waiting" for a running run that no live worker serves. */
  state: string;
  /** Pipeline phase (enriching, training, ...) when the run answered its query. */
  phase: string | null;
  /** Images every stage has finished, of the images the run covers; null when unknown (no worker to ask). */
  imagesDone: number | null;
  imagesTotal: number | null;
  /** Images that failed a stage (the largest per-stage count: a failure upstream fails later stages too). */
  failures: number | null;
  failedByStage: Record<string, number>;
  startedAt: string;
  closedAt: string | null;
  durationMs: number;
  /** Task queues the run waits on (no live worker polls them). */
  waitingFor: string[];
  error: string | null;
}

interface Counts {
  imagesDone: number | null;
  imagesTotal: number | null;
  failures: number | null;
  failedByStage: Record<string, number>;
}

const UNKNOWN: Counts = { imagesDone: null, imagesTotal: null, failures: null, failedByStage: {} };

function countsFromTotals(totals: Record<string, StageTotals>, stages: string[], imagesTotal: number): Counts {
  const names = stages.length ? stages : Object.keys(totals);
  // Batches add their results to every stage at once, so all stages' image counts move together.
  const imagesDone = names.length ? Math.min(...names.map((s) => totals[s]?.images ?? 0)) : 0;
  const failedByStage = Object.fromEntries(names.map((s) => [s, totals[s]?.failed ?? 0]));
  const failures = Math.max(0, ...Object.values(failedByStage));
  return { imagesDone, imagesTotal, failures, failedByStage };
}

/** Queues the run's current phase needs beside io (which runs every workflow). */
function queuesOfPhase(status: PipelineStatus): TaskQueueKind[] {
  if (status.phase === 'training' || status.phase === 'captioning') return ['gpu'];
  if (status.phase !== 'enriching') return [];
  return [...new Set(status.stages.flat().map((s) => (isStageName(s) ? STAGE_SPECS[s].queue : 'io')))];
}

function causeMessages(error: unknown): string {
  const parts: string[] = [];
  for (let e = error as { message?: string; cause?: unknown } | undefined; e && parts.length < 5; e = e.cause as typeof e) {
    if (e.message && !parts.includes(e.message)) parts.push(e.message);
  }
  return parts.join(': ');
}

type Listed = Pick<WorkflowExecutionInfo, 'type' | 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'>;

async function summarize(session: Session, wf: Listed, workers: QueueWorkers[]): Promise<RunSummary> {
  const client = session.client;
  const kind = wf.typedSearchAttributes.get(FusecapRunKindKey) ?? null;
  const started = wf.startTime.getTime();
  const summary: RunSummary = {
    id: wf.workflowId,
    workflowType: wf.type,
    dataset: wf.typedSearchAttributes.get(FusecapDatasetKey) ?? null,
    kind,
    state: wf.status.name.toLowerCase(),
    phase: null,
    ...UNKNOWN,
    startedAt: wf.startTime.toISOString(),
    closedAt: wf.closeTime?.toISOString() ?? null,
    durationMs: (wf.closeTime?.getTime() ?? Date.now()) - started,
    waitingFor: [],
    error: null,
  };
  const served = (k: TaskQueueKind) => !workers.find((w) => w.kind === k)?.unserved;
  const isIngest = wf.type === 'ingestDatasetWorkflow';
  // A scheduled run is a scheduledEnrichment parent whose fuseCapPipeline child does the work.
  const pipelineId = wf.type === 'scheduledEnrichment' ? `${wf.workflowId}/pipeline` : wf.workflowId;

  if (wf.status.name === 'COMPLETED') {
    let result: PipelineResult | IngestResult | { nothingNew: true };
    try {
      result = await client.workflow.getHandle(wf.workflowId, wf.runId).result();
    } catch (error) {
      summary.error = `result unreadable: ${causeMessages(error)}`;
      return summary;
    }
    if (isIngest) {
      const r = result as IngestResult;
      Object.assign(summary, { imagesDone: r.imagesAdded + r.imagesKnown, imagesTotal: r.entries, failures: r.issues });
    } else if ('nothingNew' in result) {
      Object.assign(summary, { imagesDone: 0, imagesTotal: 0, failures: 0, phase: 'nothing new' });
    } else {
      const r = result as PipelineResult;
      Object.assign(summary, countsFromTotals(r.totals, Object.keys(r.totals), r.images), { phase: 'completed' });
    }
    return summary;
  }
  if (wf.status.name !== 'RUNNING') {
    try {
      await client.workflow.getHandle(wf.workflowId, wf.runId).result();
    } catch (error) {
      summary.error = causeMessages(error);
    }
  }
  if (!served('io')) {
    // Nobody can run its workflow tasks or answer its queries.
    if (wf.status.name === 'RUNNING') {
      summary.state = 'waiting';
      summary.waitingFor = [queueName(session.options.prefix, 'io')];
    }
    return summary;
  }
  if (isIngest) return summary;
  try {
    const s = await pipelineStatus(client, pipelineId);
    if (s.status) {
      summary.phase = s.status.phase;
      const totals = { ...(s.status.totals ?? {}), ...(s.progress?.totals ?? {}) };
      const planned = s.progress?.imagesPlanned ?? s.status.untilSeq - s.status.afterSeq;
      Object.assign(summary, countsFromTotals(totals, s.status.stages.flat(), planned));
      if (s.status.error && !summary.error) summary.error = s.status.error;
      if (wf.status.name === 'RUNNING') {
        summary.waitingFor = queuesOfPhase(s.status)
          .filter((k) => !served(k))
          .map((k) => queueName(session.options.prefix, k));
        if (summary.waitingFor.length) summary.state = 'waiting';
      }
    }
  } catch (error) {
    // A scheduled run whose pipeline child has not started yet has no status to ask for.
    if (!(error instanceof WorkflowNotFoundError)) summary.error ??= causeMessages(error);
  }
  return summary;
}

/** The newest runs of this deployment (queue prefix), a scheduled run's pipeline child folded into it. */
export async function listRunSummaries(session: Session, { datasetId, limit = 50 }: { datasetId?: string; limit?: number } = {}) {
  const clauses = [
    `FusecapRunKind IN (${RUN_KINDS.map((k) => `"${k}"`).join(', ')})`,
    `TaskQueue = "${queueName(session.options.prefix, 'io')}"`,
  ];
  if (datasetId) clauses.push(`FusecapDataset = "${datasetId.replace(/"/g, '')}"`);
  const listed: WorkflowExecutionInfo[] = [];
  // Each scheduled run lists twice (parent and child): read twice the limit before folding.
  for await (const wf of session.client.workflow.list({ query: clauses.join(' AND ') })) {
    listed.push(wf);
    if (listed.length >= limit * 2) break;
  }
  const ids = new Set(listed.map((wf) => wf.workflowId));
  const shown = listed.filter((wf) => !ids.has(wf.parentExecution?.workflowId ?? '')).slice(0, limit);
  const workers = await queueWorkers(session);
  return { runs: await Promise.all(shown.map((wf) => summarize(session, wf, workers))), workers };
}

/** One run by id (any of the three kinds), or null when Temporal does not know it. */
export async function runSummary(session: Session, runId: string): Promise<RunSummary | null> {
  let description;
  try {
    description = await session.client.workflow.getHandle(runId).describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
  return summarize(session, description, await queueWorkers(session));
}

export function formatDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const COLUMNS = ['RUN', 'DATASET', 'KIND', 'STATE', 'IMAGES', 'FAILED', 'STARTED', 'DURATION'] as const;

export function formatRunTable(runs: RunSummary[]): string {
  const rows = runs.map((r) => [
    r.id,
    r.dataset ?? '-',
    r.kind ?? '-',
    r.state,
    r.imagesDone === null ? '-' : `${r.imagesDone}/${r.imagesTotal ?? '?'}`,
    r.failures === null ? '-' : String(r.failures),
    r.startedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z'),
    formatDuration(r.durationMs),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const lines = [line(COLUMNS), ...rows.map(line)];
  const waitingOn = [...new Set(runs.flatMap((r) => r.waitingFor))];
  if (waitingOn.length) {
    lines.push(
      '',
      `waiting: no worker serves ${waitingOn.join(', ')}; start \`fusecap up\` (or \`fusecap worker --queues ...\`) and keep it running.`,
    );
  }
  for (const r of runs) if (r.error) lines.push(`${r.id}: ${r.error}`);
  return lines.join('\n');
}
