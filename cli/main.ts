/**
 * fusecap — command line. Every command is a Temporal client; the work runs in workers (a running
 * `fusecap up`, or an embedded set inside the command's own process when none runs).
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import type { FusecapConfigInput } from '../config/schema.ts';
import { defaultModelInstalled } from '../experts/fuse/llama.ts';
import { ManifestError } from '../ingest/manifest.ts';
import { ALL_QUEUES } from '../workers/workers.ts';
import type { PipelineResult } from '../workflows/pipeline.ts';
import { queueName } from '../workflows/queues.ts';
import type { TaskQueueKind } from '../stages/registry.ts';
import {
  defaultCliOptions,
  openSession,
  quietTemporalRuntime,
  runningUpProcess,
  startWorkers,
  workersForCommand,
  type Session,
} from './context.ts';
import { exportCommand, exportOptionsFromFlags, formatShow, showCommand } from './commands/export.ts';
import { ingestCommand } from './commands/ingest.ts';
import { followRun, formatStatus, loadConfigFile, pipelineStatus, resumeRun, startPipeline } from './commands/runs.ts';
import { createSchedule, deleteSchedule, describeSchedule, formatSchedule, listSchedules, triggerSchedule } from './commands/schedules.ts';
import { formatRunTable, listRunSummaries, runSummary } from './commands/status.ts';
import { noWorkerWarning, queueWorkers } from './workers-check.ts';

const USAGE = `fusecap — enrich image-caption datasets (FuseCap) as a durable Temporal pipeline

usage:
  fusecap up [--queues io,vision,llm,gpu]       start the Temporal dev server (unless TEMPORAL_ADDRESS) and workers
  fusecap worker --queues io,vision             workers only (production: one kind per machine type)
  fusecap ingest DATASET --manifest FILE|DIR [--root DIR]  FILE: .jsonl, .csv, COCO .json, WebDataset .tar,
                                                Parquet .parquet; DIR: a folder of .tar / .parquet shards
  fusecap export DATASET --format jsonl|coco|webdataset|parquet --out DIR [--captions fused|original|generated]
                 [--run RUN] [--fuser MODEL[@VERSION]] [--only kept|grounded] [--split S] [--shard-size N]
                 [--with-experts] [--with-images] [--license SPDX]
  fusecap show IMAGE [--dataset DATASET] [--json]  an image (id, sha256 prefix or path): captions, stages, runs
  fusecap run DATASET [--config FILE] [--stages probe,detect,...] [--batch-size N] [--id RUN] [--detach]
                     [--retry-errors]           also re-run stored errors that may pass (missing file, upstream failed)
  fusecap demo                                  ingest the bundled sample dataset and run the whole pipeline
  fusecap status [RUN] [--dataset DATASET] [--json]
                                                runs: dataset, kind, state (waiting = no worker), images, failures
  fusecap resume RUN [--detach]                 re-run a failed/terminated/cancelled run, or a completed one's
                                                errors that may pass; only missing work is done
  fusecap report RUN                            (re)write the run's self-contained HTML report
  fusecap schedule create DATASET [--every 1h] [--id ID] [--config FILE]
  fusecap schedule list | delete ID | trigger ID  (schedules fire only while fusecap up or workers run)

environment: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, DATABASE_URL (else embedded PGlite in $FUSECAP_HOME),
FUSECAP_HOME (default ./.fusecap), FUSECAP_QUEUE_PREFIX (default fusecap), FUSECAP_EXTERNAL_WORKERS=1`;

const SAMPLE_DIR = resolve(import.meta.dirname, '..', 'data', 'sample');

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      manifest: { type: 'string' },
      root: { type: 'string' },
      config: { type: 'string' },
      stages: { type: 'string' },
      'batch-size': { type: 'string' },
      id: { type: 'string' },
      every: { type: 'string', default: '1h' },
      dataset: { type: 'string' },
      queues: { type: 'string' },
      detach: { type: 'boolean', default: false },
      format: { type: 'string' },
      out: { type: 'string' },
      captions: { type: 'string' },
      run: { type: 'string' },
      fuser: { type: 'string' },
      only: { type: 'string' },
      split: { type: 'string' },
      'shard-size': { type: 'string' },
      'with-experts': { type: 'boolean', default: false },
      'with-images': { type: 'boolean', default: false },
      license: { type: 'string' },
      json: { type: 'boolean', default: false },
      'retry-errors': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (!command || values.help) {
    console.log(USAGE);
    return command || values.help ? 0 : 2;
  }
  quietTemporalRuntime();
  const options = defaultCliOptions();

  const withSession = async <T>(fn: (session: Session) => Promise<T>): Promise<T> => {
    const session = await openSession(options);
    try {
      return await fn(session);
    } finally {
      await session.close();
    }
  };
  /** Runs fn with workers available (embedded when no `fusecap up` serves this state dir). */
  const withWorkers = <T>(fn: (session: Session) => Promise<T>) =>
    withSession(async (session) => {
      const embedded = await workersForCommand(session);
      try {
        return await fn(session);
      } finally {
        await embedded?.stop();
      }
    });

  switch (command) {
    case 'up':
    case 'worker': {
      const queues = parseQueues(values.queues);
      const session = await openSession(options);
      const workers = await startWorkers(session, queues, command === 'up');
      console.log(`fusecap ${command}: Temporal at ${session.address}${session.uiUrl ? ` (UI ${session.uiUrl})` : ''}`);
      console.log(`  database: ${workers.database.driver} ${workers.database.location}`);
      console.log(`  serving task queues: ${queues.map((q) => `${options.prefix}-${q}`).join(', ')} — Ctrl-C to stop`);
      const stop = () => void workers.stop();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      await workers.done;
      await workers.stop();
      await session.close();
      return 0;
    }
    case 'ingest': {
      const datasetId = need(rest[0], 'ingest needs a DATASET name');
      const manifest = need(
        values.manifest,
        'ingest needs --manifest FILE|DIR (captions.jsonl, .csv, COCO captions .json, WebDataset .tar, .parquet, or a folder of shards)',
      );
      const result = await withWorkers((s) => ingestCommand(s, { datasetId, manifest, root: values.root }));
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    case 'export': {
      const datasetId = need(rest[0], 'export needs a DATASET name');
      let options;
      try {
        options = exportOptionsFromFlags(datasetId, values);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      const result = await withWorkers((s) => exportCommand(s, options));
      console.log(JSON.stringify(result, null, 2));
      return 0;
    }
    case 'show': {
      const ref = need(rest[0], 'show needs an IMAGE (image id, sha256 prefix or stored path)');
      const result = await withWorkers((s) => showCommand(s, { ref, datasetId: values.dataset }));
      console.log(values.json ? JSON.stringify(result, null, 2) : formatShow(result));
      return result.matches.length ? 0 : 1;
    }
    case 'run':
    case 'demo': {
      const datasetId = command === 'demo' ? 'sample' : need(rest[0], 'run needs a DATASET name');
      const overrides: FusecapConfigInput = {};
      if (values.stages) overrides.pipeline = { ...overrides.pipeline, stages: values.stages.split(',') as never };
      if (values['batch-size']) overrides.pipeline = { ...overrides.pipeline, batchSize: Number(values['batch-size']) };
      // The demo fuses with the LLM when setup installed its model; the grounded fuser otherwise.
      const llm = command === 'demo' && !values.config && defaultModelInstalled();
      if (llm) overrides.fuse = { backend: 'llama' };
      const config = loadConfigFile(values.config ?? (command === 'demo' ? join(SAMPLE_DIR, 'demo-config.json') : undefined), overrides);
      if (command === 'demo') {
        console.log(
          llm
            ? 'fuse: the llama backend (Qwen2.5-Coder-1.5B-Instruct Q4_K_M, in process; grounded fuser as the fallback).\n' +
                '  On a 2-core CPU this is the slow stage (about 6–9 s a caption on 2 idle cores, ~3 min for the 20 photos): fuse moves image by image.\n' +
                `  For the quick grounded demo: npm run demo -- --config ${join(SAMPLE_DIR, 'demo-config.json')}`
            : values.config
              ? `fuse: the ${config.fuse?.backend ?? 'grounded'} fuser, as ${values.config} says`
              : 'fuse: the grounded fuser (no LLM installed: bash scripts/setup.sh installs the default GGUF)',
        );
      }
      return withWorkers(async (session) => {
        if (command === 'demo') {
          console.log(`ingesting the bundled sample dataset (${SAMPLE_DIR}) ...`);
          const ingested = await ingestCommand(session, { datasetId, manifest: join(SAMPLE_DIR, 'captions.jsonl') });
          console.log(`  ${ingested.imagesAdded} new images, ${ingested.imagesKnown} already known, ${ingested.issues} issues`);
        }
        const retry = values['retry-errors'] ? { retryErrors: true } : {};
        const handle = await startPipeline(session, { datasetId, config, ...retry }, values.id);
        console.log(
          `started run ${handle.workflowId}${session.uiUrl ? ` — ${session.uiUrl}/namespaces/${options.namespace}/workflows/${handle.workflowId}` : ''}`,
        );
        if (values.detach) return detached();
        const result = await followRun(session, handle.workflowId);
        console.log(formatStatus(handle.workflowId, await pipelineStatus(session.client, handle.workflowId)));
        printOutcome(result);
        return 0;
      });
    }
    case 'report': {
      const runId = need(rest[0], 'report needs a RUN id (see `fusecap status`)');
      const path = await withWorkers((session) =>
        session.client.workflow.execute('reportWorkflow', {
          taskQueue: queueName(options.prefix, 'io'),
          workflowId: `${runId}/report-${Date.now()}`,
          args: [{ runId }],
        }),
      );
      console.log(`report: ${path}`);
      return 0;
    }
    case 'status':
      return withSession(async (session) => {
        const runId = rest[0];
        if (runId) {
          const summary = await runSummary(session, runId);
          if (!summary) throw new Error(`no run ${runId}: see \`fusecap status\` for run ids`);
          if (values.json) console.log(JSON.stringify(summary, null, 2));
          else {
            console.log(formatRunTable([summary]));
            // Stage-by-stage progress of a live run (its query needs a worker, which a running run has).
            if (summary.state === 'running' && summary.workflowType === 'fuseCapPipeline')
              console.log(formatStatus(runId, await pipelineStatus(session.client, runId)));
          }
        } else {
          const { runs } = await listRunSummaries(session, { datasetId: values.dataset });
          if (values.json) console.log(JSON.stringify(runs, null, 2));
          else console.log(runs.length ? formatRunTable(runs) : 'no runs yet');
        }
        return 0;
      });
    case 'resume': {
      const runId = need(rest[0], 'resume needs a RUN id (see `fusecap status`)');
      return withWorkers(async (session) => {
        const handle = await resumeRun(session, runId);
        console.log(`resumed run ${handle.workflowId}`);
        if (values.detach) return detached();
        const result = await followRun(session, runId);
        console.log(formatStatus(runId, await pipelineStatus(session.client, runId)));
        printOutcome(result);
        return 0;
      });
    }
    case 'schedule': {
      const [action, arg] = rest;
      return withSession(async (session) => {
        if (action === 'create') {
          const id = await createSchedule(session, {
            datasetId: need(arg, 'schedule create needs a DATASET'),
            every: values.every!,
            scheduleId: values.id,
            config: values.config ? loadConfigFile(values.config) : undefined,
          });
          console.log(`schedule ${id}: enrich new images of ${arg} every ${values.every}`);
          const created = await describeSchedule(session, id);
          if (created) console.log(formatSchedule(created));
          const warning = noWorkerWarning(await queueWorkers(session), 'its runs will wait');
          if (warning) console.log(warning);
        } else if (action === 'list') {
          const schedules = await listSchedules(session);
          if (values.json) console.log(JSON.stringify(schedules, null, 2));
          else console.log(schedules.length ? schedules.map(formatSchedule).join('\n') : 'no schedules');
        } else if (action === 'delete') {
          await deleteSchedule(session, need(arg, 'schedule delete needs an ID'));
          console.log(`deleted schedule ${arg}`);
        } else if (action === 'trigger') {
          await triggerSchedule(session, need(arg, 'schedule trigger needs an ID'));
          console.log(`triggered schedule ${arg}`);
          const warning = noWorkerWarning(await queueWorkers(session), 'the run it started waits');
          if (warning) console.log(warning);
        } else {
          throw new UsageError(`schedule needs one of: create, list, delete, trigger (got ${action ?? 'nothing'})`);
        }
        return 0;
      });
    }
    default:
      throw new UsageError(
        `unknown command "${command}"; commands: up, worker, ingest, export, show, run, demo, status, resume, report, schedule`,
      );
  }
}

class UsageError extends Error {}

/** `--detach` without `fusecap up`: this command's embedded workers stop when it exits, and the run waits. */
function detached(): number {
  if (process.env.FUSECAP_EXTERNAL_WORKERS !== '1' && !runningUpProcess(defaultCliOptions()))
    console.log(
      'note: no `fusecap up` serves this state dir, so the run waits once this command exits; start `fusecap up` to let it go on.',
    );
  return 0;
}

function printOutcome(result: PipelineResult): void {
  console.log(`run ${result.runId} completed: ${result.images} images`);
  if (result.train) {
    console.log(
      `  trained ${result.train.captions}-caption captioner: step ${result.train.step}, loss ${result.train.finalLoss?.toFixed(3) ?? '-'}, export ${result.train.exportDir}`,
    );
  }
  for (const note of result.benchmark?.notes ?? []) console.log(`  note: ${note}`);
  if (result.reportPath) console.log(`  report: ${result.reportPath}`);
}

function need<T>(value: T | undefined, message: string): T {
  if (value === undefined || value === '') throw new UsageError(message);
  return value;
}

function parseQueues(text: string | undefined): TaskQueueKind[] {
  if (!text) return ALL_QUEUES;
  const queues = text.split(',').map((q) => q.trim());
  for (const q of queues)
    if (!ALL_QUEUES.includes(q as TaskQueueKind)) throw new UsageError(`unknown queue "${q}"; queues: ${ALL_QUEUES.join(', ')}`);
  return queues as TaskQueueKind[];
}

export async function runCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error) {
    const message = (error as Error).message ?? String(error);
    console.error(`fusecap: ${message}`);
    if (error instanceof UsageError) console.error('run `fusecap --help` for usage');
    process.exitCode = error instanceof UsageError || error instanceof ManifestError ? 2 : 1;
  }
  // Native Temporal handles can keep the loop alive after a command is done.
  setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
}
