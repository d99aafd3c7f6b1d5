/**
 * The benchmark with ground truth, end to end below Temporal: three truth-set photos ingested into a real
 * PostgreSQL, the real probe / detect / attributes / ocr / fuse stage batches (real models, grounded fuser), then the real
 * benchmark activity. The dataset root's truth.json is found on its own; the stored hallucination rows
 * equal the metrics computed directly on the stored captions, and the report shows them beside the
 * grounding rate.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createBenchmarkActivities, type BenchmarkResult } from '../../activities/benchmark.ts';
import { createStageBatchActivity, type StageBatchResult } from '../../activities/stage-batch.ts';
import { configSchema } from '../../config/schema.ts';
import { datasetCaptions, datasetExtent, listImages, listMetrics, startRun } from '../../db/queries/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { imageTruthFromTruthFile, parseTruthSet, summarizeHallucination } from '../../metrics/hallucination/index.ts';
import { stageImplementation } from '../../stages/implementations.ts';
import { freshPostgres } from '../support/services.ts';

const TRUTH = join(import.meta.dirname, '..', '..', 'data', 'truth');
const FILES = ['squirrel.jpg', 'no_parking.jpg', 'galleries.jpg'];

describe('benchmark with ground truth', () => {
  let database: Awaited<ReturnType<typeof freshPostgres>>;
  const stateDir = mkdtempSync(join(tmpdir(), 'fusecap-bench-truth-'));
  const config = configSchema.parse({ detect: { threads: 1 } });
  const runId = 'bench-truth-run';

  before(async () => {
    database = await freshPostgres('benchtruth');
    const set = parseTruthSet(JSON.parse(readFileSync(join(TRUTH, 'truth.json'), 'utf8')));
    const manifest = join(stateDir, 'captions.jsonl');
    const lines = FILES.map((f) => JSON.stringify({ file: `images/${f}`, captions: [set.images.find((i) => i.file === f)!.caption] }));
    writeFileSync(manifest, lines.join('\n') + '\n');
    await ingestDataset(database.db, { datasetId: 'truthmini', root: TRUTH, manifest });
    const { maxSeq } = await datasetExtent(database.db, { datasetId: 'truthmini' });
    const runStageBatch = createStageBatchActivity(database.db);
    const env = new MockActivityEnvironment();
    for (const stage of ['probe', 'detect', 'attributes', 'ocr', 'fuse']) {
      const r: StageBatchResult = await env.run(runStageBatch, {
        runId,
        datasetId: 'truthmini',
        stage,
        range: { afterSeq: 0, untilSeq: maxSeq },
        config,
      });
      assert.equal(r.failed, 0, `${stage}: ${JSON.stringify(r.errorsByCode)}`);
    }
    await startRun(database.db, { id: runId, kind: 'pipeline', datasetId: 'truthmini', config });
  });
  after(async () => {
    for (const stage of ['detect', 'attributes', 'ocr', 'fuse']) await (await stageImplementation(stage)).dispose?.();
    await database?.cleanup();
  });

  test('stored CHAIR / colour / quote / recall rows equal the metrics on the stored captions, per split', async () => {
    const bench = createBenchmarkActivities(database.db, stateDir);
    const result: BenchmarkResult = await new MockActivityEnvironment().run(bench.benchmarkRun, { runId, datasetId: 'truthmini', config });
    assert.ok(result.metrics > 0);
    const stored = await listMetrics(database.db, { runId });
    const value = (name: string, source: string, split = 'all') =>
      stored.find((m) => m.name === name && m.captionSource === source && m.split === split)?.value;

    const set = parseTruthSet(JSON.parse(readFileSync(join(TRUTH, 'truth.json'), 'utf8')));
    const truthOf = new Map(set.images.map((im) => [`images/${im.file}`, imageTruthFromTruthFile(im)]));
    const imageRows = await listImages(database.db, { datasetId: 'truthmini' });
    const fused = await datasetCaptions(database.db, { datasetId: 'truthmini', source: 'fused' });
    assert.equal(fused.length, FILES.length);
    const items = fused.map((c) => {
      const path = imageRows.find((i) => i.id === c.imageId)!.path;
      return { caption: c.text, truth: truthOf.get(path)!, originals: [set.images.find((i) => `images/${i.file}` === path)!.caption] };
    });
    const expected = summarizeHallucination(items);

    assert.equal(value('CHAIR_i', 'original'), 0);
    assert.equal(value('CHAIR_s', 'original'), 0);
    assert.equal(value('CHAIR_s', 'fused'), expected.chairS);
    assert.equal(value('CHAIR_i', 'fused') ?? null, expected.chairI);
    assert.equal(value('truth recall', 'fused'), expected.recall);
    assert.equal(value('truth added share', 'fused') ?? null, expected.addedShare);
    // the all-experts-on variant is stored as an ablation row too
    assert.equal(value('CHAIR_s', 'ablation:objects+attributes+ocr'), expected.chairS);
    // the truth file's own split: squirrel and no_parking are tuning photos, galleries a test one
    assert.equal(value('CHAIR_s', 'original', 'tuning'), 0);
    assert.ok(value('truth recall', 'original', 'test') !== undefined);
    assert.ok(value('grounding rate', 'fused') !== undefined);

    const file: string = await new MockActivityEnvironment().run(bench.writeRunReport, { runId });
    const html = readFileSync(file, 'utf8');
    const table = html.slice(
      html.indexOf('<table class="metrics" data-split="all"'),
      html.indexOf('</table>', html.indexOf('data-split="all"')),
    );
    assert.match(table, /data-metric="CHAIR_s" data-source="fused" data-split="all" data-value="[0-9.]+"/);
    assert.match(table, /data-metric="grounding rate" data-source="fused"/);
    assert.match(table, /data-metric="wrong quotes"|data-metric="truth recall"/);
  });
});
