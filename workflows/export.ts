import type { ExportOptions, ExportResult } from '../export/index.ts';
import type { ShowResult } from '../export/show.ts';
import { bookkeeping, ingestActivities } from './proxies.ts';

/** The export runs as one heartbeating io activity (same timeouts as ingest): the worker owns the database. */
export async function exportDatasetWorkflow(input: ExportOptions): Promise<ExportResult> {
  return ingestActivities().exportDataset(input);
}

export async function showImageWorkflow(input: { ref: string; datasetId?: string }): Promise<ShowResult> {
  return bookkeeping().showImage(input);
}
