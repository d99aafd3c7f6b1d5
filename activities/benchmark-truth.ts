/**
 * The benchmark's hallucination rows: with ground truth (config benchmark.truth, else the dataset root's
 * truth.json when it has one), CHAIR, wrong colours / expressions / quotes / positions, recall and added share for the
 * original, fused, generated captions and every stored fuse variant (metrics/hallucination/benchmark.ts),
 * as `metrics` rows beside the grounding rate.
 */
import { ApplicationFailure } from '@temporalio/common';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FusecapConfig } from '../config/schema.ts';
import type { MetricInput } from '../db/queries/index.ts';
import type { FuseOutput } from '../experts/types.ts';
import { ablationLabel } from '../metrics/enrichment.ts';
import { hallucinationRows, truthSourceFromJson, type CaptionSet } from '../metrics/hallucination/index.ts';

export interface TruthMetricInput {
  runId: string;
  config: FusecapConfig;
  datasetRoot: string;
  split: string;
  images: readonly { id: string; path: string }[];
  originals: ReadonlyMap<string, string[]>;
  fused: ReadonlyMap<string, string[]>;
  generated: ReadonlyMap<string, string[]>;
  /** Every fuse output stored for each image (all backends and ablations). */
  fuseVariants: ReadonlyMap<string, FuseOutput[]>;
}

export function truthMetricRows(input: TruthMetricInput, notes: string[]): MetricInput[] {
  const configured = input.config.benchmark.truth;
  const path = configured ? resolve(configured) : join(input.datasetRoot, 'truth.json');
  if (!configured && !existsSync(path)) return [];
  let truth;
  try {
    truth = truthSourceFromJson(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    const message = `ground truth ${path}: ${(error as Error).message}`;
    // A truth file the user named must be right; a dataset's own truth.json that is not one only costs the metrics.
    if (configured) throw ApplicationFailure.nonRetryable(`invalid benchmark.truth: ${message}`, 'InvalidConfig');
    notes.push(`hallucination metrics not computed: ${message}`);
    return [];
  }
  const first = (m: ReadonlyMap<string, string[]>) => new Map([...m].filter(([, t]) => t[0]).map(([id, t]) => [id, [t[0]!]]));
  const variants = new Map<string, Map<string, string[]>>();
  for (const [imageId, outputs] of input.fuseVariants) {
    for (const o of outputs) {
      const label = ablationLabel(o.ablation);
      const source = o.backend === input.config.fuse.backend ? `ablation:${label}` : `fuser:${o.backend}:${label}`;
      (variants.get(source) ?? variants.set(source, new Map()).get(source)!).set(imageId, [o.caption]);
    }
  }
  const sources: CaptionSet[] = [
    { captionSource: 'original', captions: input.originals },
    { captionSource: 'fused', captions: first(input.fused) },
    { captionSource: 'generated', captions: first(input.generated) },
    ...[...variants].map(([captionSource, captions]) => ({ captionSource, captions })),
  ];
  const rows = hallucinationRows({
    truth,
    paths: new Map(input.images.map((i) => [i.id, i.path])),
    originals: input.originals,
    sources,
    allSplit: input.split,
  });
  if (rows.length === 0) notes.push(`hallucination metrics not computed: no image of the dataset is in ${path}`);
  return rows.map((r) => ({ runId: input.runId, ...r }));
}
