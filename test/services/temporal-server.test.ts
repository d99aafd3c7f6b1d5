// Real `temporal server start-dev` processes, started by services/temporal-server.ts.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import {
  FUSECAP_SEARCH_ATTRIBUTES,
  FusecapDatasetKey,
  FusecapRunKindKey,
  searchAttributeCliArgs,
} from '../../workflows/search-attributes.ts';
import { findOrBuildTemporalCli } from '../../services/temporal-cli.ts';
import { ensureTemporalServer, startTemporalDevServer, stopTemporalServer } from '../../services/temporal-server.ts';
import { isPidAlive, isPortFree, sleep } from '../../services/util.ts';

test('search attribute flags name the three fusecap keywords', () => {
  assert.deepEqual(
    FUSECAP_SEARCH_ATTRIBUTES.map((a) => `${a.name}=${a.type}`),
    ['FusecapDataset=Keyword', 'FusecapRunKind=Keyword', 'FusecapStage=Keyword'],
  );
  assert.deepEqual(searchAttributeCliArgs().slice(0, 2), ['--search-attribute', 'FusecapDataset=Keyword']);
});

test('start-dev serves gRPC with our search attributes, and a workflow survives a server restart', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fusecap-temporal-'));
  const dbFile = path.join(dir, 'temporal.db');
  const logFile = path.join(dir, 'temporal.log');
  const cli = await findOrBuildTemporalCli({ build: false });
  let server = await startTemporalDevServer({ dbFile, logFile, headless: true, cli });
  try {
    assert.match(server.address, /^127\.0\.0\.1:\d+$/);
    assert.equal(server.uiUrl, undefined);
    let connection = await Connection.connect({ address: server.address });
    const sa = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
    for (const { name } of FUSECAP_SEARCH_ATTRIBUTES) assert.ok(name in (sa.customAttributes ?? {}), name);

    // No worker is needed: a started workflow sits in history until one polls its task queue.
    const workflowId = `svc-test-${Date.now()}`;
    const client = new Client({ connection });
    await client.workflow.start('someWorkflow', {
      taskQueue: 'svc-test',
      workflowId,
      args: [],
      typedSearchAttributes: [
        { key: FusecapDatasetKey, value: 'svc-dataset' },
        { key: FusecapRunKindKey, value: 'test' },
      ],
    });
    await connection.close();

    const port = Number(server.address.split(':')[1]);
    await server.stop();
    assert.ok(await isPortFree(port));

    // Same SQLite file: the execution, its search attributes and its visibility record are still there.
    server = await startTemporalDevServer({ dbFile, logFile, headless: true, cli, port });
    connection = await Connection.connect({ address: server.address });
    const desc = await new Client({ connection }).workflow.getHandle(workflowId).describe();
    assert.equal(desc.status.name, 'RUNNING');
    assert.equal(desc.typedSearchAttributes.get(FusecapDatasetKey), 'svc-dataset');
    let listed: string[] = [];
    // Visibility is written asynchronously; give it a moment.
    for (let i = 0; i < 50 && listed.length === 0; i++) {
      listed = [];
      for await (const wf of new Client({ connection }).workflow.list({ query: `FusecapDataset = "svc-dataset"` })) {
        listed.push(wf.workflowId);
      }
      if (listed.length === 0) await sleep(100);
    }
    assert.deepEqual(listed, [workflowId]);
    await connection.close();
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('start-dev with the Web UI and a second namespace', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fusecap-temporal-ui-'));
  const server = await startTemporalDevServer({
    dbFile: path.join(dir, 'temporal.db'),
    logFile: path.join(dir, 'temporal.log'),
    namespace: 'fusecap-test',
  });
  try {
    assert.equal(server.namespace, 'fusecap-test');
    assert.match(server.uiUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    // The UI can take a moment after gRPC answers.
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = await fetch(server.uiUrl!).then(
        (r) => r.status,
        () => 0,
      );
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('ensureTemporalServer starts a detached server once and reuses it; TEMPORAL_ADDRESS wins', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'fusecap-temporal-ensure-'));
  try {
    const first = await ensureTemporalServer(dir, { ignoreEnv: true, headless: true });
    assert.equal(first.source, 'started');
    const second = await ensureTemporalServer(dir, { ignoreEnv: true, headless: true });
    assert.equal(second.source, 'reused');
    assert.equal(second.address, first.address);
    assert.equal(second.pid, first.pid);

    const saved = process.env.TEMPORAL_ADDRESS;
    process.env.TEMPORAL_ADDRESS = first.address;
    try {
      const fromEnv = await ensureTemporalServer(path.join(dir, 'elsewhere'));
      assert.deepEqual(fromEnv, { address: first.address, namespace: process.env.TEMPORAL_NAMESPACE ?? 'default', source: 'env' });
    } finally {
      if (saved === undefined) delete process.env.TEMPORAL_ADDRESS;
      else process.env.TEMPORAL_ADDRESS = saved;
    }

    assert.equal(await stopTemporalServer(dir), true);
    assert.equal(isPidAlive(first.pid!), false);
    assert.equal(await stopTemporalServer(dir), false);
  } finally {
    await stopTemporalServer(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});
