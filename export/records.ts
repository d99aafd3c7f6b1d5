/**
 * The export record: one image with its captions and their provenance, the same in every format (JSONL
 * lines, WebDataset `.json` members, COCO `images[].fusecap`, Parquet columns). Records come page by
 * page from a keyset reader over `images.seq`, so memory stays bounded by the page size.
 *
 * Which caption a record carries (`caption`): for `fused` / `generated`, the newest caption of that
 * source that matches the run / fuser filters; for `original`, the image's first original caption. An
 * image without one is skipped and counted (`skipped.no_caption`), as are images the grounding filter
 * drops (`skipped.not_kept`, `skipped.not_grounded`).
 */
import type { Db } from '../db/client.ts';
import { exportPage, type ExportCaption, type ExportImage, type ExportStageOutput } from '../db/queries/index.ts';
import type { ImageOrigin } from '../db/schema/index.ts';
import type { AttributesOutput, DetectOutput, FuseOutput, GroundingReport, OcrOutput } from '../experts/types.ts';

export type CaptionSource = 'fused' | 'original' | 'generated';
export const CAPTION_SOURCES: CaptionSource[] = ['fused', 'original', 'generated'];

export interface RecordFilter {
  datasetId: string;
  captions: CaptionSource;
  /** Only captions written by this run (captions.run_id). */
  runId?: string;
  /** Only captions by this producer: its model id, or "id@version". */
  fuser?: string;
  /** kept: the grounding policy kept the model caption; grounded: no ungrounded claim at all. */
  only?: 'kept' | 'grounded';
  split?: string;
  withExperts: boolean;
  /** Seqs per database page, so at most this many images per page (default 2000). */
  pageSize?: number;
}

export interface ExportRecord {
  key: string;
  image_id: string;
  dataset: string;
  path: string;
  /** Shard and member the image came from, or null for a plain file; `url` when the source named one. */
  origin: ImageOrigin | null;
  url: string | null;
  sha256: string;
  bytes: number;
  format: string | null;
  width: number | null;
  height: number | null;
  split: string | null;
  original_captions: string[];
  caption: string;
  caption_source: CaptionSource;
  /** Producer of `caption`: model id / version / params hash ('' for originals). */
  model_id: string;
  model_version: string;
  params_hash: string;
  run_id: string | null;
  /** Fused captions: the fuser backend, prompt template, grounding report and decision; null otherwise. */
  fuser: string | null;
  prompt_template: string | null;
  grounding_score: number | null;
  grounding_claims: number | null;
  ungrounded: GroundingReport['ungrounded'] | null;
  decision: FuseOutput['decision'] | null;
  objects?: DetectOutput['objects'] | null;
  attributes?: AttributesOutput['objects'] | null;
  ocr_lines?: string[] | null;
}

export interface RecordPage {
  records: { record: ExportRecord; image: ExportImage }[];
  /** Images read in this page, including skipped ones. */
  scanned: number;
}

export interface SkipCounts {
  no_caption: number;
  not_kept: number;
  not_grounded: number;
}

const EXPERT_STAGES = ['detect', 'attributes', 'ocr'];

/**
 * Pages of records in seq order. `key` is the running index over kept records, zero-padded to 9 digits
 * as img2dataset writes keys, so the same data always gets the same keys.
 */
export async function* readRecords(db: Db, filter: RecordFilter, skipped: SkipCounts): AsyncGenerator<RecordPage> {
  const window = filter.pageSize ?? 2000;
  const stages = filter.captions === 'fused' ? ['fuse'] : [];
  if (filter.withExperts) stages.push(...EXPERT_STAGES);
  let afterSeq = 0;
  let index = 0;
  for (;;) {
    const page = await exportPage(db, {
      datasetId: filter.datasetId,
      afterSeq,
      window,
      split: filter.split,
      captionSource: filter.captions,
      stages,
    });
    if (page.nextAfterSeq === null) return;
    afterSeq = page.nextAfterSeq;
    const records: RecordPage['records'] = [];
    for (const image of page.images) {
      const record = buildRecord(image, image.captions, image.stages, filter, skipped, index);
      if (!record) continue;
      records.push({ record, image });
      index++;
    }
    yield { records, scanned: page.images.length };
  }
}

function buildRecord(
  image: ExportImage,
  caps: ExportCaption[],
  results: ExportStageOutput[],
  filter: RecordFilter,
  skipped: SkipCounts,
  index: number,
): ExportRecord | null {
  const originals = caps.filter((c) => c.source === 'original').sort((a, b) => a.ordinal - b.ordinal || a.id - b.id);
  let chosen: ExportCaption | undefined;
  if (filter.captions === 'original') chosen = originals[0];
  else {
    // Newest matching producer caption: the highest id is the latest write (ids come from a sequence).
    const candidates = caps.filter((c) => c.source === filter.captions && matchesProducer(c, filter));
    chosen = candidates.reduce<ExportCaption | undefined>((best, c) => (!best || c.id > best.id ? c : best), undefined);
  }
  if (!chosen) {
    skipped.no_caption++;
    return null;
  }
  let fuse: FuseOutput | null = null;
  if (filter.captions === 'fused') {
    const row = results.find(
      (r) =>
        r.stage === 'fuse' && r.modelId === chosen.modelId && r.modelVersion === chosen.modelVersion && r.paramsHash === chosen.paramsHash,
    );
    fuse = (row?.output as FuseOutput | undefined) ?? null;
  }
  if (filter.only === 'kept' && fuse?.decision !== 'kept') {
    skipped.not_kept++;
    return null;
  }
  if (filter.only === 'grounded' && !(fuse && fuse.grounding.ungrounded.length === 0)) {
    skipped.not_grounded++;
    return null;
  }
  const origin = image.origin ?? null;
  const record: ExportRecord = {
    key: String(index).padStart(9, '0'),
    image_id: image.id,
    dataset: image.datasetId,
    path: image.path,
    origin,
    url: origin?.url ?? null,
    sha256: image.sha256,
    bytes: image.bytes,
    format: image.format,
    width: image.width,
    height: image.height,
    split: image.split,
    original_captions: originals.map((c) => c.text),
    caption: chosen.text,
    caption_source: filter.captions,
    model_id: chosen.modelId,
    model_version: chosen.modelVersion,
    params_hash: chosen.paramsHash,
    run_id: chosen.runId,
    fuser: fuse?.backend ?? null,
    prompt_template: fuse?.template ?? null,
    grounding_score: fuse?.grounding.score ?? null,
    grounding_claims: fuse?.grounding.claims ?? null,
    ungrounded: fuse?.grounding.ungrounded ?? null,
    decision: fuse?.decision ?? null,
  };
  if (filter.withExperts) {
    record.objects = newest<DetectOutput>(results, 'detect')?.objects ?? null;
    record.attributes = newest<AttributesOutput>(results, 'attributes')?.objects ?? null;
    record.ocr_lines = newest<OcrOutput>(results, 'ocr')?.lines.map((l) => l.text) ?? null;
  }
  return record;
}

function matchesProducer(c: ExportCaption, filter: RecordFilter): boolean {
  if (filter.runId !== undefined && c.runId !== filter.runId) return false;
  if (filter.fuser !== undefined && c.modelId !== filter.fuser && `${c.modelId}@${c.modelVersion}` !== filter.fuser) return false;
  return true;
}

/** The latest output of a stage (rows arrive ordered by creation time). */
function newest<T>(results: ExportStageOutput[], stage: string): T | null {
  let found: T | null = null;
  for (const r of results) if (r.stage === stage && r.output !== null) found = r.output as T;
  return found;
}
