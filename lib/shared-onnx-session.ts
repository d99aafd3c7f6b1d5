/**
 * One onnxruntime session per model file, shared by every expert in a process that uses it: loaded on
 * the first lease, released when the last lease is returned. A failed load is forgotten, so the next
 * lease tries the file again (it may have been repaired) instead of inheriting the old rejection.
 *
 * One intra-op thread, optimisation `all`: these sessions run beside detection and OCR in the same
 * worker, which already keeps every core busy with images in parallel.
 */
import * as ort from 'onnxruntime-node';

export interface SessionLease {
  readonly session: ort.InferenceSession;
  /** Returns the lease; idempotent. The session is released once no lease holds it. */
  release(): Promise<void>;
}

interface Entry {
  session: Promise<ort.InferenceSession>;
  users: number;
}

const entries = new Map<string, Entry>();

export async function leaseSharedSession(file: string): Promise<SessionLease> {
  let entry = entries.get(file);
  if (!entry) {
    const created: Entry = {
      session: ort.InferenceSession.create(file, { intraOpNumThreads: 1, graphOptimizationLevel: 'all' }),
      users: 0,
    };
    entries.set(file, created);
    created.session.catch(() => {
      if (entries.get(file) === created) entries.delete(file);
    });
    entry = created;
  }
  const held = entry;
  const session = await held.session;
  held.users++;
  let returned = false;
  return {
    session,
    async release() {
      if (returned) return;
      returned = true;
      if (--held.users <= 0 && entries.get(file) === held) {
        entries.delete(file);
        await session.release();
      }
    },
  };
}
