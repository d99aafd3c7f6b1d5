/**
 * Recorded workflow histories as files. They are stored as @temporalio/proto's own plain-object form
 * (enums and int64s as strings, bytes as base64) and read back with the same module, not with
 * @temporalio/common's historyFromJSON: in this install common and proto each carry their own protobufjs
 * copy, and that function fails with "type must be a Type" across the two.
 */
import proto from '@temporalio/proto';
import type { temporal as Api } from '@temporalio/proto';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/paths.ts';

/** Where the recorded workflow histories live (written by record-histories.ts, replayed by replay.test.ts). */
export const HISTORIES_DIR = join(REPO_ROOT, 'test', 'fixtures', 'histories');

const { temporal } = proto;
const History = temporal.api.history.v1.History;

export function historyToPlainJson(history: Api.api.history.v1.IHistory): unknown {
  return History.toObject(History.fromObject(history), { longs: String, enums: String, bytes: String });
}

export function historyFromPlainJson(json: unknown): Api.api.history.v1.History {
  return History.fromObject(json as Record<string, unknown>);
}
