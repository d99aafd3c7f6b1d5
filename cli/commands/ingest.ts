import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { IngestResult } from '../../ingest/ingest-dataset.ts';
import { readManifest } from '../../ingest/manifest.ts';
import { isShardSource, listShards } from '../../ingest/shards.ts';
import { queueName } from '../../workflows/queues.ts';
import type { Session } from '../context.ts';
import { runSearchAttributes } from './runs.ts';

/**
 * Ingest through the io worker, which owns the database. The manifest is parsed here first as well, so a
 * malformed one is reported before any workflow starts.
 */
export async function ingestCommand(
  session: Session,
  { datasetId, manifest, root }: { datasetId: string; manifest: string; root?: string },
): Promise<IngestResult> {
  const manifestPath = resolve(manifest);
  const shards = await isShardSource(manifestPath);
  if (shards)
    await listShards(manifestPath, []); // throws ManifestError for a missing source or an empty folder
  else readManifest(manifestPath); // throws ManifestError with a clear message
  // A folder of shards is its own root (Parquet path columns are relative to it); a file's root is its folder.
  const defaultRoot = shards && statSync(manifestPath).isDirectory() ? manifestPath : dirname(manifestPath);
  return session.client.workflow.execute('ingestDatasetWorkflow', {
    taskQueue: queueName(session.options.prefix, 'io'),
    workflowId: `fusecap-ingest-${datasetId}-${Date.now()}`,
    args: [{ datasetId, manifest: manifestPath, root: resolve(root ?? defaultRoot) }],
    typedSearchAttributes: runSearchAttributes(datasetId, 'ingest'),
  });
}
