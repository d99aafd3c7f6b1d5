/** schedule create|list|delete|trigger: Temporal Schedules that enrich what was added since their last run. */
import { ScheduleNotFoundError, ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import type { FusecapConfigInput } from '../../config/schema.ts';
import { queueName } from '../../workflows/queues.ts';
import type { ScheduledInput } from '../../workflows/scheduled.ts';
import type { Session } from '../context.ts';
import { runSearchAttributes } from './runs.ts';
import { formatDuration, runSummary } from './status.ts';

export function scheduleIdFor(datasetId: string): string {
  return `fusecap-enrich-${datasetId}`;
}

/** How long `schedule create` waits for the list (Temporal's eventually consistent visibility) to show it. */
const VISIBLE_WITHIN_MS = 10_000;

export async function createSchedule(
  session: Session,
  {
    datasetId,
    every,
    scheduleId = scheduleIdFor(datasetId),
    config,
    paused = false,
  }: { datasetId: string; every: string; scheduleId?: string; config?: FusecapConfigInput; paused?: boolean },
) {
  const input: ScheduledInput = { datasetId, scheduleId, config };
  await session.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: every as `${number}${'s' | 'm' | 'h' | 'd'}` }] },
    action: {
      type: 'startWorkflow',
      workflowType: 'scheduledEnrichment',
      taskQueue: queueName(session.options.prefix, 'io'),
      workflowId: scheduleId,
      args: [input],
      // On the run from its start, so `fusecap status` lists a scheduled run that still waits for a worker.
      typedSearchAttributes: runSearchAttributes(datasetId, 'scheduled'),
    },
    // Two enrichments of one dataset at once would race for the same new images: skip a tick instead.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    state: { paused, note: `fusecap: enrich images added to ${datasetId}` },
  });
  await waitUntilListed(session, scheduleId);
  return scheduleId;
}

/** Returns once `schedule list` shows the schedule, or after VISIBLE_WITHIN_MS (list reads by id too). */
async function waitUntilListed(session: Session, scheduleId: string): Promise<boolean> {
  const deadline = Date.now() + VISIBLE_WITHIN_MS;
  for (;;) {
    for await (const s of session.client.schedule.list()) if (s.scheduleId === scheduleId) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}

export interface ScheduleSummary {
  id: string;
  dataset: string | null;
  spec: string;
  paused: boolean;
  nextRunAt: string | null;
  runsStarted: number;
  lastRun: { id: string; startedAt: string; state: string; imagesDone: number | null; imagesTotal: number | null } | null;
}

function specText(spec: ScheduleDescription['spec']): string {
  const parts = [
    ...(spec.intervals ?? []).map((i) => `every ${formatDuration(i.every).replace(/ 00[ms]$/, '')}`),
    ...(spec.calendars?.length ? [`${spec.calendars.length} calendar spec(s)`] : []),
  ];
  return parts.join(', ') || '-';
}

/** Is this schedule one of ours: it starts scheduledEnrichment on this prefix's io queue. */
function isOurs(session: Session, d: ScheduleDescription): boolean {
  return (
    d.action.type === 'startWorkflow' &&
    d.action.workflowType === 'scheduledEnrichment' &&
    d.action.taskQueue === queueName(session.options.prefix, 'io')
  );
}

/** Reads one schedule back by id: spec, next run time, and its last run's state and counts. */
export async function describeSchedule(session: Session, scheduleId: string): Promise<ScheduleSummary | null> {
  let d: ScheduleDescription;
  try {
    d = await session.client.schedule.getHandle(scheduleId).describe();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError) return null;
    throw error;
  }
  if (!isOurs(session, d)) return null;
  const input = (d.action.type === 'startWorkflow' ? d.action.args?.[0] : undefined) as ScheduledInput | undefined;
  const last = d.info.recentActions.at(-1);
  let lastRun: ScheduleSummary['lastRun'] = null;
  if (last) {
    const run = await runSummary(session, last.action.workflow.workflowId);
    lastRun = {
      id: last.action.workflow.workflowId,
      startedAt: last.takenAt.toISOString(),
      state: run?.state ?? 'unknown',
      imagesDone: run?.imagesDone ?? null,
      imagesTotal: run?.imagesTotal ?? null,
    };
  }
  return {
    id: scheduleId,
    dataset: input?.datasetId ?? null,
    spec: specText(d.spec),
    paused: d.state.paused,
    nextRunAt: d.info.nextActionTimes[0]?.toISOString() ?? null,
    runsStarted: d.info.numActionsTaken,
    lastRun,
  };
}

/** Every schedule of this deployment (queue prefix), each read back by id for current details. */
export async function listSchedules(session: Session): Promise<ScheduleSummary[]> {
  const ids: string[] = [];
  for await (const s of session.client.schedule.list()) {
    if (s.action?.type === 'startWorkflow' && s.action.workflowType === 'scheduledEnrichment') ids.push(s.scheduleId);
  }
  const described = await Promise.all(ids.map((id) => describeSchedule(session, id)));
  return described.filter((s): s is ScheduleSummary => s !== null).sort((a, b) => a.id.localeCompare(b.id));
}

export function formatSchedule(s: ScheduleSummary): string {
  const last = s.lastRun
    ? `last run ${s.lastRun.id} ${s.lastRun.state}${s.lastRun.imagesDone === null ? '' : ` (${s.lastRun.imagesDone}/${s.lastRun.imagesTotal} images)`}`
    : 'no run yet';
  return [
    `${s.id}  ${s.paused ? 'paused' : 'active'}  dataset ${s.dataset ?? '-'}  ${s.spec}`,
    `  next run ${s.paused ? '- (paused)' : (s.nextRunAt ?? '-')}  runs started ${s.runsStarted}  ${last}`,
  ].join('\n');
}

export async function deleteSchedule(session: Session, scheduleId: string) {
  try {
    await session.client.schedule.getHandle(scheduleId).delete();
  } catch (error) {
    if (error instanceof ScheduleNotFoundError)
      throw new Error(`no schedule ${scheduleId}; see \`fusecap schedule list\``, { cause: error });
    throw error;
  }
}

export async function triggerSchedule(session: Session, scheduleId: string) {
  try {
    await session.client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  } catch (error) {
    if (error instanceof ScheduleNotFoundError)
      throw new Error(`no schedule ${scheduleId}; see \`fusecap schedule list\``, { cause: error });
    throw error;
  }
}
