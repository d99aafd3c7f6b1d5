import { upsertSearchAttributes } from '@temporalio/workflow';
import type { IngestInput, IngestResult } from '../ingest/ingest-dataset.ts';
import { ingestActivities } from './proxies.ts';
import { FusecapDatasetKey, FusecapRunKindKey } from './search-attributes.ts';

/** ingestDataset: the manifest is read by the io worker (which owns the database), never by the client. */
export async function ingestDatasetWorkflow(input: IngestInput): Promise<IngestResult> {
  upsertSearchAttributes([
    { key: FusecapDatasetKey, value: input.datasetId },
    { key: FusecapRunKindKey, value: 'ingest' },
  ]);
  return ingestActivities().ingest(input);
}
