import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { join } from 'node:path';
import type { Db } from '../db/client.ts';
import { ingestDataset, type IngestInput, type IngestResult } from '../ingest/ingest-dataset.ts';
import { ManifestError } from '../ingest/manifest.ts';

export function createIngestActivity(db: Db, stateDir: string) {
  return async function ingest(input: IngestInput): Promise<IngestResult> {
    try {
      const withStore = { blobDir: join(stateDir, 'blobs'), ...input };
      return await ingestDataset(db, withStore, (done, total) => Context.current().heartbeat({ done, total }));
    } catch (error) {
      if (error instanceof ManifestError || /invalid dataset id/.test((error as Error).message)) {
        // A bad manifest stays bad on retry: fail at once with the message, before anything was written.
        throw ApplicationFailure.nonRetryable((error as Error).message, 'BadManifest');
      }
      throw error;
    }
  };
}
