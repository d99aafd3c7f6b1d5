/**
 * benchmark: everything FuseCap claims, measured for one run and stored in `metrics` with the run, split
 * and caption source — enrichment statistics (original vs fused, and every fuse ablation present), COCO
 * caption metrics of the fused and generated captions against the originals, CLIPScore when a CLIP model is
 * configured (never a substitute under that name), and retrieval R@K with the trained captioner's ITC + ITM.
 * The pipeline then writes the run's HTML report (writeRunReport) once the run row is final.
 */
import { Context } from '@temporalio/activity';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configSchema, type FusecapConfig } from '../config/schema.ts';
import type { Db } from '../db/client.ts';
import {
  datasetCaptions,
  datasetStageResults,
  getDataset,
  getRun,
  listImages,
  listMetrics,
  recordReport,
  upsertMetrics,
  type MetricInput,
} from '../db/queries/index.ts';
import type { AttributesOutput, DetectOutput, FuseOutput, OcrOutput } from '../experts/types.ts';
import { computeClipScore, type ClipScoreItem } from '../metrics/clipscore.ts';
import { evaluateCaptions, type CocoMetric } from '../metrics/coco/evaluate.ts';
import { enrichmentStats, type CaptionStats } from '../metrics/enrichment.ts';
import { scoreRetrieval } from '../captioner/trainer-client.ts';
import { safeFileName } from '../lib/paths.ts';
import { assembleReport, enrichmentItems, type RunData } from '../report/assemble.ts';
import { writeReport } from '../report/build.ts';
import { stageKeyByName } from '../stages/keys.ts';
import { truthMetricRows } from './benchmark-truth.ts';

export interface BenchmarkInput {
  runId: string;
  datasetId: string;
  config: FusecapConfig;
  /** The trained captioner (from trainCaptioner), for retrieval; absent when the run did not train. */
  checkpoint?: { id: string; path: string };
}

export interface BenchmarkResult {
  metrics: number;
  notes: string[];
}

const SPLIT = 'all';

/** Current-config outputs of a per-image stage, by image id; empty when the stage never ran under this config. */
async function outputsOf<T>(db: Db, datasetId: string, stage: string, config: FusecapConfig): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  let key;
  try {
    key = await stageKeyByName(stage, config);
  } catch {
    return out; // e.g. caption without an export: nothing to read
  }
  for (const r of await datasetStageResults(db, { datasetId, stage, key })) if (r.output !== null) out.set(r.imageId, r.output as T);
  return out;
}

async function captionsBy(db: Db, datasetId: string, source: 'original' | 'fused' | 'generated', stage?: string, config?: FusecapConfig) {
  const out = new Map<string, string[]>();
  let filter = {};
  if (stage && config) {
    try {
      const key = await stageKeyByName(stage, config);
      filter = { modelId: key.modelId, paramsHash: key.paramsHash };
    } catch {
      return out;
    }
  }
  for (const r of await datasetCaptions(db, { datasetId, source, ...filter }))
    (out.get(r.imageId) ?? out.set(r.imageId, []).get(r.imageId)!).push(r.text);
  return out;
}

function statsRows(
  runId: string,
  source: string,
  stats: CaptionStats & { groundingRate?: number; contribution?: Record<string, number> },
): MetricInput[] {
  const rows: MetricInput[] = [
    { runId, split: SPLIT, captionSource: source, name: 'mean words', value: stats.meanWords },
    { runId, split: SPLIT, captionSource: source, name: 'distinct nouns', value: stats.meanNouns },
    { runId, split: SPLIT, captionSource: source, name: 'distinct attributes', value: stats.meanAttributes },
    { runId, split: SPLIT, captionSource: source, name: 'OCR tokens', value: stats.meanOcrTokens },
  ];
  if (stats.groundingRate !== undefined)
    rows.push({ runId, split: SPLIT, captionSource: source, name: 'grounding rate', value: stats.groundingRate });
  for (const [expert, share] of Object.entries(stats.contribution ?? {})) {
    rows.push({ runId, split: SPLIT, captionSource: source, name: `${expert} contributed`, value: share });
  }
  return rows;
}

export function createBenchmarkActivities(db: Db, stateDir: string) {
  async function collect(datasetId: string, config: FusecapConfig): Promise<RunData> {
    const [imageRows, originals, fused, generated, detect, attributes, ocr, allFuse] = await Promise.all([
      listImages(db, { datasetId }),
      captionsBy(db, datasetId, 'original'),
      captionsBy(db, datasetId, 'fused', 'fuse', config),
      captionsBy(db, datasetId, 'generated', 'caption', config),
      outputsOf<DetectOutput>(db, datasetId, 'detect', config),
      outputsOf<AttributesOutput>(db, datasetId, 'attributes', config),
      outputsOf<OcrOutput>(db, datasetId, 'ocr', config),
      datasetStageResults(db, { datasetId, stage: 'fuse' }),
    ]);
    const fuseVariants = new Map<string, FuseOutput[]>();
    for (const r of allFuse)
      if (r.output) (fuseVariants.get(r.imageId) ?? fuseVariants.set(r.imageId, []).get(r.imageId)!).push(r.output as FuseOutput);
    return { imageRows, originals, fused, generated, detect, attributes, ocr, fuseVariants };
  }

  async function writeRunReport({ runId }: { runId: string }): Promise<string> {
    const run = await getRun(db, { id: runId });
    if (!run || !run.datasetId) throw new Error(`no run ${runId} in the database`);
    const config = configSchema.parse(run.config);
    const dataset = await getDataset(db, { id: run.datasetId });
    const report = assembleReport({
      run: { id: runId, datasetId: run.datasetId, startedAt: run.startedAt, status: run.status, counts: run.counts },
      datasetRoot: dataset!.root,
      config,
      data: await collect(run.datasetId, config),
      metrics: await listMetrics(db, { runId }),
      split: SPLIT,
    });
    const dir = join(stateDir, 'reports');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${safeFileName(runId)}.html`);
    await writeReport(report, file, { maxSide: config.benchmark.thumbnailSide });
    await recordReport(db, { runId, path: file });
    return file;
  }

  return {
    writeRunReport,

    async benchmarkRun(raw: BenchmarkInput): Promise<BenchmarkResult> {
      // Retrieval scoring (python) runs in a child process; the ticker beats between the in-process stages.
      const ticker = setInterval(() => Context.current().heartbeat('benchmarking'), 10_000);
      try {
        return await benchmark(raw);
      } finally {
        clearInterval(ticker);
      }
    },
  };

  async function benchmark(raw: BenchmarkInput): Promise<BenchmarkResult> {
    const input = { ...raw, config: configSchema.parse(raw.config) };
    const { runId, datasetId, config } = input;
    const context = Context.current();
    const notes: string[] = [];
    const rows: MetricInput[] = [];
    const data = await collect(datasetId, config);
    context.heartbeat('collected');

    const items = enrichmentItems(data);
    if (items.length > 0) {
      const stats = enrichmentStats(items);
      rows.push(...statsRows(runId, 'original', stats.original));
      if (stats.fused) rows.push(...statsRows(runId, 'fused', stats.fused));
      for (const a of stats.ablations) rows.push(...statsRows(runId, `ablation:${a.label}`, a));
    }
    const dataset = await getDataset(db, { id: datasetId });
    rows.push(...truthMetricRows({ runId, config, datasetRoot: dataset!.root, split: SPLIT, images: data.imageRows, ...data }, notes));

    // COCO caption metrics against the original captions as references.
    const metricsWanted = config.benchmark.cocoMetrics as CocoMetric[];
    for (const [source, produced] of [
      ['fused', data.fused],
      ['generated', data.generated],
    ] as const) {
      const candidates: Record<string, string> = {};
      const references: Record<string, string[]> = {};
      for (const [imageId, texts] of produced) {
        const refs = data.originals.get(imageId);
        if (refs?.length && texts[0]) {
          candidates[imageId] = texts[0];
          references[imageId] = refs;
        }
      }
      if (Object.keys(candidates).length === 0) continue;
      let result;
      try {
        result = await evaluateCaptions({ references, candidates, metrics: metricsWanted, meteorBackend: config.benchmark.meteorBackend });
      } catch (error) {
        // METEOR needs pycocoevalcap's tables (and java for the jar backend); without them the other metrics still count.
        notes.push(`METEOR skipped for ${source}: ${(error as Error).message}`);
        result = await evaluateCaptions({ references, candidates, metrics: metricsWanted.filter((m) => m !== 'METEOR') });
      }
      for (const [name, value] of Object.entries(result.corpus))
        if (value !== undefined) rows.push({ runId, split: SPLIT, captionSource: source, name, value });
      context.heartbeat(`coco ${source}`);
    }

    // CLIPScore only with a real CLIP model; otherwise the report says it is unavailable.
    if (config.benchmark.clipModel) {
      const dataset = await getDataset(db, { id: datasetId });
      for (const [source, produced] of [
        ['original', data.originals],
        ['fused', data.fused],
        ['generated', data.generated],
      ] as const) {
        const clipItems: ClipScoreItem[] = data.imageRows
          .filter((img) => produced.get(img.id)?.[0])
          .map((img) => ({
            imageId: img.id,
            imagePath: resolve(dataset!.root, img.path),
            candidate: produced.get(img.id)![0],
            references: source === 'original' ? undefined : data.originals.get(img.id),
          }));
        if (clipItems.length === 0) continue;
        const score = await computeClipScore({ model: config.benchmark.clipModel, items: clipItems });
        if (score.status === 'ok') {
          rows.push({ runId, split: SPLIT, captionSource: source, name: 'CLIPScore', value: 100 * score.clipScore, model: score.model });
          if (score.refClipScore !== null)
            rows.push({
              runId,
              split: SPLIT,
              captionSource: source,
              name: 'RefCLIPScore',
              value: 100 * score.refClipScore,
              model: score.model,
            });
        }
      }
    } else {
      notes.push('CLIPScore not computed: no CLIP model configured (benchmark.clipModel)');
    }

    // Retrieval with the trained captioner's encoders: original vs fused captions as the text side.
    if (input.checkpoint) {
      const dataset = await getDataset(db, { id: datasetId });
      const paths = new Map(data.imageRows.map((i) => [i.id, resolve(dataset!.root, i.path)]));
      const workDir = join(stateDir, 'artifacts', 'runs', safeFileName(runId));
      mkdirSync(workDir, { recursive: true });
      for (const [source, captions] of [
        ['original', data.originals],
        ['fused', data.fused],
      ] as const) {
        if (captions.size < 2) continue;
        const r = await scoreRetrieval({
          config,
          checkpointPath: input.checkpoint.path,
          pairs: [...captions].flatMap(([imageId, texts]) => texts.map((caption) => ({ imageId, path: paths.get(imageId)!, caption }))),
          workDir,
          label: source,
          signal: context.cancellationSignal,
        });
        const model = `fusecap-blip/${input.checkpoint.id}`;
        rows.push(
          { runId, split: SPLIT, captionSource: source, model, name: 'i2t R@1', value: r.imageToText.R1 },
          { runId, split: SPLIT, captionSource: source, model, name: 'i2t R@5', value: r.imageToText.R5 },
          { runId, split: SPLIT, captionSource: source, model, name: 'i2t R@10', value: r.imageToText.R10 },
          { runId, split: SPLIT, captionSource: source, model, name: 't2i R@1', value: r.textToImage.R1 },
          { runId, split: SPLIT, captionSource: source, model, name: 't2i R@5', value: r.textToImage.R5 },
          { runId, split: SPLIT, captionSource: source, model, name: 't2i R@10', value: r.textToImage.R10 },
        );
        context.heartbeat(`retrieval ${source}`);
      }
    } else {
      notes.push('retrieval not computed: the run trained no captioner (pipeline.train)');
    }

    await upsertMetrics(db, { rows });
    return { metrics: rows.length, notes };
  }
}
