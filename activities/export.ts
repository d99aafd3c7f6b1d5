import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Db } from '../db/client.ts';
import { ExportError, exportDataset, type ExportOptions, type ExportResult } from '../export/index.ts';
import { showImage, type ShowResult } from '../export/show.ts';

/** Export and show run on the io worker, which owns the database (PGlite is single-process). */
export function createExportActivities(db: Db) {
  return {
    async exportDataset(input: ExportOptions): Promise<ExportResult> {
      try {
        return await exportDataset(db, input, (records, scanned) => Context.current().heartbeat({ records, scanned }));
      } catch (error) {
        if (error instanceof ExportError) throw ApplicationFailure.nonRetryable(error.message, 'BadExport');
        throw error;
      }
    },
    async showImage(input: { ref: string; datasetId?: string }): Promise<ShowResult> {
      return showImage(db, input);
    },
  };
}
