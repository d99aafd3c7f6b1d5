import { resolve } from 'node:path';
import { EXPORT_FORMATS, validateExportOptions, type ExportFormat, type ExportOptions, type ExportResult } from '../../export/index.ts';
import type { CaptionSource } from '../../export/records.ts';
import { formatImageDetail, type ShowResult } from '../../export/show.ts';
import { queueName } from '../../workflows/queues.ts';
import type { Session } from '../context.ts';

export interface ExportFlags {
  format?: string;
  out?: string;
  captions?: string;
  run?: string;
  fuser?: string;
  only?: string;
  split?: string;
  'shard-size'?: string;
  'with-experts'?: boolean;
  'with-images'?: boolean;
  license?: string;
}

/** Flags → validated options; a bad flag fails here, before any workflow starts. */
export function exportOptionsFromFlags(datasetId: string, flags: ExportFlags): ExportOptions {
  if (!flags.format) throw new Error(`export needs --format (${EXPORT_FORMATS.join(', ')})`);
  if (!flags.out) throw new Error('export needs --out DIR');
  const options: ExportOptions = {
    datasetId,
    format: flags.format as ExportFormat,
    out: resolve(flags.out),
    captions: (flags.captions ?? 'fused') as CaptionSource,
    runId: flags.run,
    fuser: flags.fuser,
    only: flags.only as ExportOptions['only'],
    split: flags.split,
    shardSize: flags['shard-size'] !== undefined ? Number(flags['shard-size']) : undefined,
    withExperts: flags['with-experts'] ?? false,
    withImages: flags['with-images'] ?? false,
    license: flags.license,
  };
  validateExportOptions(options);
  return options;
}

export async function exportCommand(session: Session, options: ExportOptions): Promise<ExportResult> {
  return session.client.workflow.execute('exportDatasetWorkflow', {
    taskQueue: queueName(session.options.prefix, 'io'),
    workflowId: `fusecap-export-${options.datasetId}-${Date.now()}`,
    args: [options],
  });
}

export async function showCommand(session: Session, input: { ref: string; datasetId?: string }): Promise<ShowResult> {
  return session.client.workflow.execute('showImageWorkflow', {
    taskQueue: queueName(session.options.prefix, 'io'),
    workflowId: `fusecap-show-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    args: [input],
  });
}

export function formatShow(result: ShowResult): string {
  if (result.matches.length === 0) return `no image matches "${result.ref}" (give an image id, a sha256 prefix or a stored path)`;
  return result.matches.map(formatImageDetail).join('\n\n');
}
