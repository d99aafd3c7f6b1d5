/**
 * One query-layer suite, run against both drivers: a real PostgreSQL server (node-postgres) and PGlite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  datasetCaptions,
  findStageResults,
  getRun,
  insertNewImages,
  insertOriginalCaptions,
  listMetrics,
  originalCaptions,
  pageImageIds,
  startRun,
  finishRun,
  upsertDataset,
  upsertMetrics,
  upsertProducedCaptions,
  upsertStageResults,
  upsertCheckpoint,
  listCheckpoints,
} from '../../db/queries/index.ts';
import type { Database } from '../../db/client.ts';
import { freshPglite, freshPostgres } from '../support/services.ts';

const drivers: [string, () => Promise<Database & { cleanup(): Promise<void> }>][] = [
  ['postgres (node-postgres)', () => freshPostgres('db_suite')],
  ['pglite', () => freshPglite()],
];

for (const [name, open] of drivers) {
  describe(`query layer on ${name}`, () => {
    let database: Database & { cleanup(): Promise<void> };
    before(async () => {
      database = await open();
      await upsertDataset(database.db, { id: 'd1', root: '/data', source: { kind: 'jsonl', manifest: '/data/m.jsonl' } });
    });
    after(async () => database.cleanup());

    test('images are unique by content per dataset; re-inserting adds nothing', async () => {
      const rows = [
        { id: 'd1:a', datasetId: 'd1', sha256: 'a'.repeat(64), path: 'a.jpg', bytes: 10 },
        { id: 'd1:b', datasetId: 'd1', sha256: 'b'.repeat(64), path: 'b.jpg', bytes: 20 },
      ];
      assert.deepEqual((await insertNewImages(database.db, { rows })).sort(), ['d1:a', 'd1:b']);
      assert.deepEqual(await insertNewImages(database.db, { rows }), []);
      const page = await pageImageIds(database.db, { datasetId: 'd1', afterSeq: 0, limit: 10 });
      assert.deepEqual(
        page.map((p) => p.id),
        ['d1:a', 'd1:b'],
      );
      assert.ok(page[0].seq < page[1].seq, 'seq grows with insertion order');
      const later = await pageImageIds(database.db, { datasetId: 'd1', afterSeq: page[0].seq, limit: 10 });
      assert.deepEqual(
        later.map((p) => p.id),
        ['d1:b'],
      );
    });

    test('original captions keep their order and are not duplicated', async () => {
      const rows = [
        { imageId: 'd1:a', source: 'original' as const, text: 'a dog', ordinal: 0 },
        { imageId: 'd1:a', source: 'original' as const, text: 'a brown dog', ordinal: 1 },
      ];
      assert.equal(await insertOriginalCaptions(database.db, { rows }), 2);
      assert.equal(await insertOriginalCaptions(database.db, { rows }), 0);
      assert.deepEqual((await originalCaptions(database.db, { imageIds: ['d1:a', 'd1:b'] })).get('d1:a'), ['a dog', 'a brown dog']);
    });

    test('stage results: keyed upsert; an error never replaces an output, an output replaces an error', async () => {
      const key = { stage: 'detect', modelId: 'm', modelVersion: '1', paramsHash: 'p' };
      const base = { ...key, params: { t: 0.3 }, runId: 'r1', durationMs: 5 };
      await upsertStageResults(database.db, { rows: [{ ...base, imageId: 'd1:a', output: { objects: [1] } }] });
      await upsertStageResults(database.db, { rows: [{ ...base, imageId: 'd1:a', output: null, errorCode: 'corrupt_image', error: 'x' }] });
      await upsertStageResults(database.db, {
        rows: [{ ...base, imageId: 'd1:b', output: null, errorCode: 'stage_error', error: 'boom' }],
      });
      let found = await findStageResults(database.db, { imageIds: ['d1:a', 'd1:b'], key });
      assert.deepEqual(found.get('d1:a'), { output: { objects: [1] }, errorCode: null, error: null });
      assert.equal(found.get('d1:b')?.errorCode, 'stage_error');
      await upsertStageResults(database.db, { rows: [{ ...base, imageId: 'd1:b', output: { objects: [] } }] });
      found = await findStageResults(database.db, { imageIds: ['d1:b'], key });
      assert.deepEqual(found.get('d1:b'), { output: { objects: [] }, errorCode: null, error: null });
      const other = await findStageResults(database.db, { imageIds: ['d1:a'], key: { ...key, modelVersion: '2' } });
      assert.equal(other.size, 0, 'a new model version sees no results');
    });

    test('produced captions: one per producer and image, replaced on rewrite', async () => {
      const row = {
        imageId: 'd1:a',
        source: 'fused' as const,
        text: 'v1',
        modelId: 'grounded',
        modelVersion: '1',
        paramsHash: 'h',
        runId: 'r1',
      };
      await upsertProducedCaptions(database.db, { rows: [row] });
      await upsertProducedCaptions(database.db, { rows: [{ ...row, text: 'v2' }] });
      const fused = await datasetCaptions(database.db, { datasetId: 'd1', source: 'fused' });
      assert.deepEqual(
        fused.map((f) => f.text),
        ['v2'],
      );
    });

    test('runs, checkpoints and metrics', async () => {
      await startRun(database.db, { id: 'run-1', kind: 'pipeline', datasetId: 'd1', config: { a: 1 } });
      await finishRun(database.db, { id: 'run-1', status: 'completed', counts: { images: 2 } });
      const run = await getRun(database.db, { id: 'run-1' });
      assert.equal(run?.status, 'completed');
      assert.deepEqual(run?.counts, { images: 2 });
      await upsertCheckpoint(database.db, { runId: 'run-1', step: 10, path: '/ck/10', sha256: 'x', metrics: { loss: 2 } });
      await upsertCheckpoint(database.db, { runId: 'run-1', step: 10, path: '/ck/10', sha256: 'x', metrics: { loss: 1.5 } });
      const cks = await listCheckpoints(database.db, { runId: 'run-1' });
      assert.equal(cks.length, 1);
      assert.deepEqual(cks[0].metrics, { loss: 1.5 });
      await upsertMetrics(database.db, { rows: [{ runId: 'run-1', split: 'all', name: 'BLEU-4', captionSource: 'fused', value: 0.1 }] });
      await upsertMetrics(database.db, { rows: [{ runId: 'run-1', split: 'all', name: 'BLEU-4', captionSource: 'fused', value: 0.2 }] });
      const m = await listMetrics(database.db, { runId: 'run-1' });
      assert.equal(m.length, 1);
      assert.equal(m[0].value, 0.2);
    });
  });
}
