/** schedule create|list|delete|trigger: Temporal Schedules that enrich what was added since their last run. */
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import type { FusecapConfigInput } from '../../config/schema.ts';
import { queueName } from '../../workflows/queues.ts';
import type { ScheduledInput } from '../../workflows/scheduled.ts';
import type { Session } from '../context.ts';

export function scheduleIdFor(datasetId: string): string {
  return `fusecap-enrich-${datasetId}`;
}

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
    },
    // Two enrichments of one dataset at once would race for the same new images: skip a tick instead.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    state: { paused, note: `fusecap: enrich images added to ${datasetId}` },
  });
  return scheduleId;
}

export async function listSchedules(session: Session): Promise<string[]> {
  const lines: string[] = [];
  for await (const s of session.client.schedule.list()) {
    if (!s.scheduleId.startsWith('fusecap-')) continue;
    const next = s.info.nextActionTimes[0]?.toISOString() ?? '-';
    lines.push(`${s.scheduleId.padEnd(40)} ${s.state.paused ? 'paused' : 'active'}  next ${next}  recent ${s.info.recentActions.length}`);
  }
  return lines;
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
  await session.client.schedule.getHandle(scheduleId).trigger(ScheduleOverlapPolicy.ALLOW_ALL);
}
