/**
 * Determinism, tested rather than hoped for: recorded histories of the pipeline, enrich (three executions
 * joined by continue-as-new), batch and scheduled workflows replay against the current workflow code,
 * loaded from the same prebuilt bundle file a deployment image uses. A change that would break running
 * workflows fails here; an intended one re-records them (`npm run record:histories`).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { writeWorkflowBundle } from '../../workers/workers.ts';
import { HISTORIES_DIR, historyFromPlainJson } from './history-files.ts';

interface RecordedHistory {
  workflowId: string;
  workflowType: string;
  history: unknown;
}

const recorded = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((file) => ({ file, ...(JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')) as RecordedHistory) }));

describe('recorded workflow histories replay against the current code', () => {
  let dir: string;
  let bundlePath: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fusecap-replay-'));
    bundlePath = join(dir, 'workflow-bundle.js');
    await writeWorkflowBundle(bundlePath);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the fixtures cover every long-lived workflow type, continue-as-new included', () => {
    const types = new Set(recorded.map((r) => r.workflowType));
    for (const t of ['fuseCapPipeline', 'enrichDataset', 'processBatch', 'scheduledEnrichment']) assert.ok(types.has(t), `no ${t} history`);
    const enrichRuns = recorded.filter((r) => r.workflowType === 'enrichDataset');
    assert.ok(enrichRuns.length >= 2, 'enrich should span several executions');
    const ended = (r: RecordedHistory) => historyFromPlainJson(r.history).events.at(-1);
    assert.ok(enrichRuns.slice(0, -1).every((r) => ended(r)?.workflowExecutionContinuedAsNewEventAttributes));
  });

  for (const entry of recorded) {
    test(`${entry.file} (${entry.workflowType}) replays without nondeterminism`, async () => {
      await Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, historyFromPlainJson(entry.history), entry.workflowId);
    });
  }

  test('a history whose code changed fails the replay (the check can fail)', async () => {
    const pipeline = recorded.find((r) => r.workflowType === 'fuseCapPipeline')!;
    const events = historyFromPlainJson(pipeline.history).events;
    // Swap the first scheduled activity's type: the code schedules resolveConfig, the history says otherwise.
    const tampered = JSON.parse(JSON.stringify(pipeline.history)) as { events: Record<string, Record<string, unknown>>[] };
    const index = events.findIndex((e) => Boolean(e.activityTaskScheduledEventAttributes));
    const attrs = tampered.events[index].activityTaskScheduledEventAttributes as { activityType: { name: string } };
    attrs.activityType.name = 'somethingElse';
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: { codePath: bundlePath } }, historyFromPlainJson(tampered), pipeline.workflowId),
      (error: Error) => error.name === 'DeterminismViolationError' || /nondetermin/i.test(error.message),
    );
  });
});
