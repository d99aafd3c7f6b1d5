/**
 * What the benchmark report shows. The lead fills this from PostgreSQL (runs, metrics, captions,
 * stage_results); report/build.ts adds the embedded thumbnails; report/html.ts renders it.
 */
import type { DetectOutput } from '../experts/types.ts';
import type { AblationRow, CaptionStats, FusedStats } from '../metrics/enrichment.ts';

export type CaptionSource = 'original' | 'fused' | 'generated';

export interface ReportRunInfo {
  title: string;
  runId: string;
  /** ISO 8601. */
  createdAt: string;
  dataset?: string;
  /** Free-form facts shown as a key/value list (model ids, checkpoint, commit…). */
  details?: Record<string, string | number | boolean>;
  notes?: string[];
}

export interface MetricRow {
  /** e.g. "Bleu_4", "CIDEr-D", "CLIPScore", "R@1 i2t". */
  name: string;
  /** e.g. "test", "val". */
  split: string;
  captionSource: CaptionSource;
  /** null: not computed (e.g. CLIPScore without a CLIP model); `note` says why. */
  value: number | null;
  note?: string;
}

export interface Thumbnail {
  /** data:image/jpeg;base64,… */
  dataUrl: string;
  width: number;
  height: number;
}

export interface GalleryItem {
  imageId?: string;
  imagePath: string;
  /** Upright image size in pixels: the coordinate system of `detect` boxes. */
  width: number;
  height: number;
  detect?: DetectOutput;
  /** `alternative`: beside an LLM's fused caption, the grounded fuser's (or the LLM's, when it fell back). */
  captions: { original: string[]; fused?: string; generated?: string; alternative?: { label: string; text: string } };
  /** Filled by prepareReport (report/build.ts); without it the gallery shows no picture. */
  thumbnail?: Thumbnail;
}

export interface ReportEnrichment {
  original: CaptionStats;
  fused: FusedStats | null;
  ablations: AblationRow[];
}

export interface ReportData {
  run: ReportRunInfo;
  metrics: MetricRow[];
  enrichment?: ReportEnrichment;
  gallery: GalleryItem[];
}
