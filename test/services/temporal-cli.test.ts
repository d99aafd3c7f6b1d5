// The Temporal CLI that setup built (or found), and its use by @temporalio/testing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { findOrBuildTemporalCliInfo, temporalCliCandidates, temporalCliVersion } from '../../services/temporal-cli.ts';

test('finds a working CLI without building, and skips a broken TEMPORAL_CLI', async () => {
  const info = await findOrBuildTemporalCliInfo({ build: false });
  assert.match(info.version, /^temporal version .*\(Server \d+\.\d+\.\d+, UI \d+\.\d+\.\d+\)$/);

  const saved = process.env.TEMPORAL_CLI;
  process.env.TEMPORAL_CLI = '/nonexistent/temporal';
  try {
    assert.equal((await temporalCliCandidates())[0], '/nonexistent/temporal');
    assert.equal(await temporalCliVersion('/nonexistent/temporal'), undefined);
    const again = await findOrBuildTemporalCliInfo({ build: false, log: () => undefined });
    assert.equal(again.path, info.path);
  } finally {
    if (saved === undefined) delete process.env.TEMPORAL_CLI;
    else process.env.TEMPORAL_CLI = saved;
  }
});

test('@temporalio/testing createLocal runs on our CLI (existing-path: no download)', async () => {
  const { path } = await findOrBuildTemporalCliInfo({ build: false });
  const env = await TestWorkflowEnvironment.createLocal({ server: { executable: { type: 'existing-path', path } } });
  try {
    const info = await env.connection.workflowService.getSystemInfo({});
    assert.ok(info.serverVersion);
  } finally {
    await env.teardown();
  }
});
