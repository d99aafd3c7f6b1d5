/**
 * The README's first command, as a newcomer runs it on a fresh machine: `npm run demo -- --config
 * data/sample/demo-config.json` (here the same `bin/fusecap.js demo` process it starts). No server is
 * set up by hand: the environment has no TEMPORAL_ADDRESS or DATABASE_URL, so the demo starts its own
 * Temporal dev server and embedded PGlite under a fresh FUSECAP_HOME, ingests the 20 sample photos,
 * enriches them, trains the tiny captioner and writes the report.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, test } from 'node:test';
import { stopTemporalServer } from '../../services/temporal-server.ts';
import { REPO_ROOT } from '../support/services.ts';

const home = mkdtempSync(join(tmpdir(), 'fusecap-demo-'));
after(async () => {
  // The demo's Temporal server is detached on purpose (later commands reuse it); the test ends it.
  await stopTemporalServer(home);
  rmSync(home, { recursive: true, force: true });
});

test('README demo command: a fresh FUSECAP_HOME, no servers given; 20 photos enriched, a captioner trained, a report written', async () => {
  const env: Record<string, string | undefined> = { ...process.env, FUSECAP_HOME: home };
  for (const k of ['TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'DATABASE_URL', 'FUSECAP_EXTERNAL_WORKERS', 'FUSECAP_QUEUE_PREFIX'])
    delete env[k];
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/fusecap.js', 'demo', '--config', 'data/sample/demo-config.json'], {
    cwd: REPO_ROOT,
    env,
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.match(stdout, /^fuse: the grounded fuser, as data\/sample\/demo-config\.json says$/m);
  assert.match(stdout, /20 new images, 0 already known, 0 issues/);
  assert.match(stdout, /run fusecap-sample-\S+ completed: 20 images/);
  for (const stage of ['probe', 'detect', 'ocr', 'attributes', 'fuse', 'caption'])
    assert.match(stdout, new RegExp(`${stage} +\\[#{30}\\] 100% +20/20 .* failed 0`), stage);
  assert.match(stdout, /trained fused-caption captioner: step 60, loss [0-9.]+/);
  const report = /report: (\S+\.html)/.exec(stdout)?.[1];
  assert.ok(report && report.startsWith(home) && existsSync(report), `report ${report} under ${home}`);
});
