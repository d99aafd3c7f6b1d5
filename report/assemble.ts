/**
 * Run data → ReportData: which metrics the report shows (and the CLIPScore row that says why it is
 * missing), the enrichment table, and the gallery. Pure: the benchmark activity reads the database and
 * hands the rows over; report/build.ts then embeds thumbnails and report/html.ts renders.
 */
import { resolve } from 'node:path';
import type { FusecapConfig } from '../config/schema.ts';
import type { AttributesOutput, DetectOutput, FuseOutput, OcrOutput } from '../experts/types.ts';
import { enrichmentStats, type EnrichmentItem } from '../metrics/enrichment.ts';
import type { CaptionSource, GalleryItem, MetricRow, ReportData } from './types.ts';

export interface RunImage {
  id: string;
  path: string;
  width: number | null;
  height: number | null;
}

/** What one run produced, by image id, under the run's config. */
export interface RunData {
  imageRows: RunImage[];
  originals: Map<string, string[]>;
  fused: Map<string, string[]>;
  generated: Map<string, string[]>;
  detect: Map<string, DetectOutput>;
  attributes: Map<string, AttributesOutput>;
  ocr: Map<string, OcrOutput>;
  /** Every fuse variant (ablation) stored for the image, so the ablation table compares them side by side. */
  fuseVariants: Map<string, FuseOutput[]>;
}

export interface StoredMetric {
  name: string;
  split: string;
  captionSource: string;
  value: number;
}

export interface ReportInput {
  run: {
    id: string;
    datasetId: string;
    startedAt: Date;
    status: string;
    counts: Record<string, number>;
  };
  datasetRoot: string;
  config: FusecapConfig;
  data: RunData;
  metrics: StoredMetric[];
  /** Split name under which run-level metrics are stored. */
  split: string;
}

const SHOWN_SOURCES: readonly string[] = ['original', 'fused', 'generated'] satisfies CaptionSource[];

/** The enrichment items of a run: images with at least one original caption. */
export function enrichmentItems(data: RunData): EnrichmentItem[] {
  return data.imageRows
    .filter((img) => (data.originals.get(img.id) ?? []).length > 0)
    .map((img) => ({
      imageId: img.id,
      original: data.originals.get(img.id)!,
      fused: data.fuseVariants.get(img.id) ?? [],
      detect: data.detect.get(img.id),
      attributes: data.attributes.get(img.id),
      ocr: data.ocr.get(img.id),
    }));
}

export function assembleReport(input: ReportInput): ReportData {
  const { run, config, data } = input;
  const metrics: MetricRow[] = input.metrics
    .filter((m) => SHOWN_SOURCES.includes(m.captionSource))
    .map((m) => ({ name: m.name, split: m.split, captionSource: m.captionSource as CaptionSource, value: m.value }));
  if (!config.benchmark.clipModel) {
    metrics.push({
      name: 'CLIPScore',
      split: input.split,
      captionSource: 'fused',
      value: null,
      note: 'no CLIP model configured (benchmark.clipModel)',
    });
  }
  const items = enrichmentItems(data);
  const stats = items.length ? enrichmentStats(items) : null;
  const gallery: GalleryItem[] = data.imageRows.slice(0, config.benchmark.galleryImages).map((img) => ({
    imageId: img.id,
    imagePath: resolve(input.datasetRoot, img.path),
    width: img.width ?? 0,
    height: img.height ?? 0,
    detect: data.detect.get(img.id),
    captions: {
      original: data.originals.get(img.id) ?? [],
      fused: data.fused.get(img.id)?.[0],
      generated: data.generated.get(img.id)?.[0],
    },
  }));
  return {
    run: {
      title: `fusecap run ${run.id}`,
      runId: run.id,
      createdAt: run.startedAt.toISOString(),
      dataset: run.datasetId,
      details: {
        status: run.status,
        images: run.counts.images ?? data.imageRows.length,
        stages: config.pipeline.stages.join(', '),
        fuser: config.fuse.backend,
        ...(run.counts['train.step'] ? { 'train steps': run.counts['train.step'] } : {}),
      },
    },
    metrics,
    enrichment: stats ? { original: stats.original, fused: stats.fused, ablations: stats.ablations } : undefined,
    gallery: gallery.filter((g) => g.width > 0),
  };
}
