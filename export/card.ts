/**
 * The dataset card (README.md) beside a Parquet export, in the Hugging Face layout: YAML front matter
 * (licence, task, `configs` pointing at the Parquet files) and a body with the counts, the models that
 * wrote the exported captions and the configuration of the runs behind them. Built from the exported data
 * only (no clock), so a re-export of the same data writes the same card.
 */
import type { RunRow } from '../db/schema/index.ts';

export interface CardInput {
  datasetId: string;
  license: string;
  sourceKind: string;
  captions: string;
  records: number;
  scanned: number;
  skipped: Record<string, number>;
  dropped: Record<string, number>;
  splits: Map<string, number>;
  /** "model_id@version" → records whose caption it wrote. */
  models: Map<string, number>;
  templates: Map<string, number>;
  decisions: Map<string, number>;
  runs: RunRow[];
  files: string[];
}

const sorted = (m: Map<string, number>) => [...m].sort(([a], [b]) => a.localeCompare(b));

export function datasetCard(c: CardInput): string {
  const lines = [
    '---',
    `license: ${c.license}`,
    `pretty_name: ${JSON.stringify(`${c.datasetId} (fusecap ${c.captions} captions)`)}`,
    'task_categories:',
    '- image-to-text',
    'configs:',
    '- config_name: default',
    '  data_files:',
    '  - split: train',
    '    path: data/*.parquet',
    '---',
    '',
    `# ${c.datasetId}`,
    '',
    `Exported by fusecap: ${c.records} images with ${c.captions} captions (${c.scanned} scanned). One row per image; the`,
    'columns are described in the fusecap README (export record). Images come from a source of kind',
    `\`${c.sourceKind}\`; the licence above is what the exporter was told (\`--license\`): check the licence of every`,
    'source image before redistributing.',
    '',
    '## Counts',
    '',
    '| what | count |',
    '|---|---|',
    `| images exported | ${c.records} |`,
    ...Object.entries(c.skipped).map(([k, v]) => `| skipped: ${k} | ${v} |`),
    ...Object.entries(c.dropped).map(([k, v]) => `| dropped: ${k} | ${v} |`),
    ...sorted(c.splits).map(([k, v]) => `| split ${k} | ${v} |`),
    ...sorted(c.decisions).map(([k, v]) => `| grounding decision ${k} | ${v} |`),
    '',
    '## Models',
    '',
    '| caption model | prompt template | images |',
    '|---|---|---|',
    ...sorted(c.models).map(([k, v]) => `| ${k || '(original captions)'} | ${[...c.templates.keys()].sort().join(', ') || '-'} | ${v} |`),
    '',
    '## Runs and configuration',
    '',
    ...(c.runs.length
      ? c.runs.flatMap((r) => [`- \`${r.id}\` (${r.kind}, ${r.status})`, '', '  ```json', `  ${JSON.stringify(r.config)}`, '  ```', ''])
      : ['No run recorded for these captions.', '']),
    '## Files',
    '',
    ...c.files.map((f) => `- ${f}`),
    '',
  ];
  return lines.join('\n');
}
