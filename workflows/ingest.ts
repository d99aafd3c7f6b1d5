import { upsertSearchAttributes } from '@temporalio/workflow';
import type { IngestInput, IngestResult } from '../ingest/ingest-dataset.ts';
import { ingestActivities } from './activities.ts';
import { DATASET_KEY, RUN_KIND_KEY } from './search-attributes.ts';

/** ingestDataset: the manifest is read by the io worker (which owns the database), never by the client. */
export async function ingestDatasetWorkflow(input: IngestInput): Promise<IngestResult> {
  upsertSearchAttributes([
    { key: DATASET_KEY, value: input.datasetId },
    { key: RUN_KIND_KEY, value: 'ingest' },
  ]);
  return ingestActivities().ingest(input);
}
