/**
 * All activities, built from their dependencies (createActivities(deps) as in Temporal's samples). The
 * workflows import only the *type* of this object.
 */
import type { Db } from '../db/client.ts';
import { createBenchmarkActivities } from './benchmark.ts';
import { createBookkeepingActivities } from './bookkeeping.ts';
import { createExportActivities } from './export.ts';
import { createIngestActivity } from './ingest.ts';
import { createStageBatchActivity } from './stage-batch.ts';
import { createTrainActivities } from './train.ts';

export interface ActivityDeps {
  db: Db;
  /** Folder for state that is not in the database: artifacts (checkpoints, exports), reports. */
  stateDir: string;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createBookkeepingActivities(deps.db),
    ingest: createIngestActivity(deps.db, deps.stateDir),
    ...createExportActivities(deps.db),
    runStageBatch: createStageBatchActivity(deps.db),
    ...createTrainActivities(deps.db, deps.stateDir),
    ...createBenchmarkActivities(deps.db, deps.stateDir),
  };
}

export type Activities = ReturnType<typeof createActivities>;
