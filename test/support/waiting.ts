/** Small helpers the end-to-end tests share: polling for a condition, and a CLI session over a test harness. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Session } from '../../cli/context.ts';
import type { TemporalHarness } from './services.ts';

/** Polls `check` until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A CLI Session on the harness's client, with a state dir of its own; closing it leaves the harness up. */
export function sessionOf(temporal: TemporalHarness, stateDir = mkdtempSync(join(tmpdir(), 'fusecap-cli-'))): Session {
  return {
    options: { stateDir, prefix: temporal.prefix, namespace: 'default' },
    client: temporal.client,
    connection: temporal.connection,
    address: temporal.address,
    close: async () => {},
  };
}
