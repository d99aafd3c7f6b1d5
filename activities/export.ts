import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client.ts';
import { ExportError, exportDataset, type ExportOptions, type ExportResult } from '../export/index.ts';
import { showImage, type ShowResult } from '../export/show.ts';
import { UnwritableError } from '../lib/unwritable.ts';

/** Export and show run on the io worker, which owns the database (PGlite is single-process). */
export function createExportActivities(db: Db) {
  return {
    async exportDataset(input: ExportOptions): Promise<ExportResult> {
      try {
        return await exportDataset(db, input, (records, scanned) => Context.current().heartbeat({ records, scanned }));
      } catch (error) {
        if (error instanceof ExportError) throw ApplicationFailure.nonRetryable(error.message, 'BadExport');
        // Retrying within minutes rarely frees a disk or fixes permissions: fail now, naming the path.
        if (error instanceof UnwritableError)
          throw ApplicationFailure.nonRetryable(`${error.message}; nothing was written there`, 'ArtifactsUnwritable');
        throw error;
      }
    },
    async showImage(input: { ref: string; datasetId?: string }): Promise<ShowResult> {
      return showImage(db, input);
    },
  };
}
