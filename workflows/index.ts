// The workflow bundle's entry: every workflow type a worker on the io queue can run.
export { fuseCapPipeline } from './pipeline.ts';
export { enrichDataset, processBatch } from './enrich.ts';
export { ingestDatasetWorkflow } from './ingest.ts';
export { scheduledEnrichment } from './scheduled.ts';
export { reportWorkflow } from './report.ts';
export { exportDatasetWorkflow, showImageWorkflow } from './export.ts';
