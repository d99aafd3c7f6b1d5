/**
 * The export's record reader (export/records.ts over db/queries/export.ts) on both drivers, a real
 * PostgreSQL and PGlite: pages by seq window must give the same records whatever the window size, with
 * another dataset's images interleaved (gaps in seq), and the filters (split, fuser, run, --only) and the
 * choice rules (newest producer caption, originals by ordinal, the newest expert output) must hold.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Db } from '../../db/client.ts';
import {
  insertNewImages,
  insertOriginalCaptions,
  upsertDataset,
  upsertProducedCaptions,
  upsertStageResults,
} from '../../db/queries/index.ts';
import type { NewStageResult } from '../../db/schema/index.ts';
import { readRecords, type ExportRecord, type RecordFilter, type SkipCounts } from '../../export/records.ts';
import { freshPglite, freshPostgres } from '../support/services.ts';

const A = 'recs-a';
const B = 'recs-b';
const imageId = (dataset: string, i: number) => `${dataset}:${String(i).padStart(24, '0')}`;
const X = { modelId: 'fuser-x', modelVersion: '1', paramsHash: 'px', runId: 'run-1' };
const Y = { modelId: 'fuser-y', modelVersion: '2', paramsHash: 'py', runId: 'run-2' };

const fuseOutput = (text: string, decision: 'kept' | 'fallback', ungrounded: string[]) => ({
  caption: text,
  backend: 'grounded',
  model: { id: 'm', version: '1' },
  template: 'none',
  grounding: { score: ungrounded.length ? 0.5 : 1, claims: 2, ungrounded },
  decision,
});

/**
 * Dataset A: 7 images, interleaved in seq with B's 5. Image 3 has no fused caption. Images 0..6 have a
 * fused caption by X; 1, 4 and 6 also a later one by Y (newer: the one a plain export carries). X's fuse
 * decision: kept for even images, fallback for odd; ungrounded claims on 2. Image 5 has two detect outputs,
 * the older one first in model order. Splits: val for 1, 4, 5; train otherwise.
 */
async function seed(db: Db) {
  await upsertDataset(db, { id: A, root: '/data/a', source: { kind: 'jsonl', manifest: 'm' } });
  await upsertDataset(db, { id: B, root: '/data/b', source: { kind: 'jsonl', manifest: 'm' } });
  const image = (dataset: string, i: number) => ({
    id: imageId(dataset, i),
    datasetId: dataset,
    sha256: `${dataset}-${i}`.padEnd(64, '0'),
    path: `images/${i}.jpg`,
    bytes: 1000 + i,
    format: 'jpeg',
    width: 32,
    height: 24,
    split: dataset === A && [1, 4, 5].includes(i) ? 'val' : 'train',
  });
  // Insertion order gives seq: A0 B0 A1 A2 B1 B2 B3 A3 A4 A5 B4 A6.
  for (const [dataset, i] of [
    [A, 0],
    [B, 0],
    [A, 1],
    [A, 2],
    [B, 1],
    [B, 2],
    [B, 3],
    [A, 3],
    [A, 4],
    [A, 5],
    [B, 4],
    [A, 6],
  ] as const) {
    await insertNewImages(db, { rows: [image(dataset, i)] });
  }
  // Originals: ordinal 1 inserted before ordinal 0, so ordinal order is not insertion order.
  await insertOriginalCaptions(db, {
    rows: [0, 1, 2, 3, 4, 5, 6].flatMap((i) => [
      { imageId: imageId(A, i), source: 'original' as const, text: `second original ${i}`, ordinal: 1 },
      { imageId: imageId(A, i), source: 'original' as const, text: `first original ${i}`, ordinal: 0 },
    ]),
  });
  await insertOriginalCaptions(db, {
    rows: [0, 1, 2, 3, 4].map((i) => ({ imageId: imageId(B, i), source: 'original' as const, text: `b ${i}`, ordinal: 0 })),
  });
  const fusedBy = (producer: typeof X, ids: number[]) =>
    upsertProducedCaptions(db, {
      rows: ids.map((i) => ({ imageId: imageId(A, i), source: 'fused' as const, text: `${producer.modelId} caption ${i}`, ...producer })),
    });
  await fusedBy(X, [0, 1, 2, 4, 5, 6]);
  await fusedBy(Y, [1, 4, 6]);
  const fuseRows = (producer: typeof X, ids: number[]): NewStageResult[] =>
    ids.map((i) => ({
      imageId: imageId(A, i),
      stage: 'fuse',
      ...producer,
      params: {},
      output: fuseOutput(`${producer.modelId} caption ${i}`, i % 2 === 0 ? 'kept' : 'fallback', i === 2 ? ['a red hat'] : []),
    }));
  await upsertStageResults(db, { rows: [...fuseRows(X, [0, 1, 2, 4, 5, 6]), ...fuseRows(Y, [1, 4, 6])] });
  const detect = (modelVersion: string, label: string, createdAt: Date): NewStageResult => ({
    imageId: imageId(A, 5),
    stage: 'detect',
    modelId: 'detector',
    modelVersion,
    paramsHash: 'd',
    params: {},
    output: { objects: [{ label, score: 0.9, box: [0, 0, 1, 1] }] },
    createdAt,
  });
  // Version "2" sorts after "1" but was written first: creation time decides which is newest.
  await upsertStageResults(db, {
    rows: [detect('2', 'old cat', new Date('2026-01-01T00:00:00Z')), detect('1', 'new dog', new Date('2026-02-01T00:00:00Z'))],
  });
}

async function read(db: Db, filter: Omit<RecordFilter, 'datasetId' | 'withExperts'> & { withExperts?: boolean }) {
  const skipped: SkipCounts = { no_caption: 0, not_kept: 0, not_grounded: 0 };
  const records: ExportRecord[] = [];
  let scanned = 0;
  for await (const page of readRecords(db, { datasetId: A, withExperts: false, ...filter }, skipped)) {
    for (const { record, image } of page.records) {
      assert.equal(image.path, record.path);
      records.push(record);
    }
    scanned += page.scanned;
  }
  return { records, skipped, scanned };
}

for (const driver of ['postgres', 'pglite'] as const) {
  describe(`export records on ${driver}`, () => {
    let database: Awaited<ReturnType<typeof freshPglite>>;
    before(async () => {
      database = driver === 'postgres' ? await freshPostgres('records') : await freshPglite();
      await seed(database.db);
    });
    after(() => database.cleanup());

    test('every window size gives the same records, in seq order, with gaps from another dataset', async () => {
      const whole = await read(database.db, { captions: 'fused', pageSize: 1000 });
      assert.deepEqual(
        whole.records.map((r) => [r.key, r.image_id, r.caption]),
        [
          ['000000000', imageId(A, 0), 'fuser-x caption 0'],
          ['000000001', imageId(A, 1), 'fuser-y caption 1'],
          ['000000002', imageId(A, 2), 'fuser-x caption 2'],
          ['000000003', imageId(A, 4), 'fuser-y caption 4'],
          ['000000004', imageId(A, 5), 'fuser-x caption 5'],
          ['000000005', imageId(A, 6), 'fuser-y caption 6'],
        ],
      );
      assert.equal(whole.scanned, 7);
      assert.deepEqual(whole.skipped, { no_caption: 1, not_kept: 0, not_grounded: 0 });
      for (const pageSize of [1, 2, 3, 5]) {
        const paged = await read(database.db, { captions: 'fused', pageSize });
        assert.deepEqual(paged, whole, `window ${pageSize}`);
      }
    });

    test('a record holds its image, originals by ordinal, and the fuse output of its own producer', async () => {
      const { records } = await read(database.db, { captions: 'fused', pageSize: 2 });
      const r1 = records[1];
      assert.deepEqual(
        {
          dataset: r1.dataset,
          path: r1.path,
          bytes: r1.bytes,
          format: r1.format,
          width: r1.width,
          split: r1.split,
          origin: r1.origin,
          url: r1.url,
        },
        { dataset: A, path: 'images/1.jpg', bytes: 1001, format: 'jpeg', width: 32, split: 'val', origin: null, url: null },
      );
      assert.deepEqual(r1.original_captions, ['first original 1', 'second original 1']);
      assert.deepEqual(
        [r1.model_id, r1.model_version, r1.params_hash, r1.run_id, r1.fuser, r1.decision, r1.grounding_score, r1.ungrounded],
        ['fuser-y', '2', 'py', 'run-2', 'grounded', 'fallback', 1, []],
      );
      assert.deepEqual(records[2].ungrounded, ['a red hat']);
      assert.equal(records[2].grounding_score, 0.5);
      assert.equal(records[0].objects, undefined, 'no expert fields without withExperts');
    });

    test('filters: split, fuser, run, only kept / grounded; originals as the caption', async () => {
      const val = await read(database.db, { captions: 'fused', split: 'val', pageSize: 2 });
      assert.deepEqual(
        val.records.map((r) => [r.key, r.image_id]),
        [
          ['000000000', imageId(A, 1)],
          ['000000001', imageId(A, 4)],
          ['000000002', imageId(A, 5)],
        ],
      );
      assert.equal(val.scanned, 3);
      const byX = await read(database.db, { captions: 'fused', fuser: 'fuser-x@1', pageSize: 3 });
      assert.deepEqual(
        byX.records.map((r) => r.caption),
        [0, 1, 2, 4, 5, 6].map((i) => `fuser-x caption ${i}`),
      );
      assert.deepEqual(
        byX.records.map((r) => r.decision),
        ['kept', 'fallback', 'kept', 'kept', 'fallback', 'kept'],
      );
      const run2 = await read(database.db, { captions: 'fused', runId: 'run-2', pageSize: 3 });
      assert.deepEqual(
        run2.records.map((r) => r.image_id),
        [1, 4, 6].map((i) => imageId(A, i)),
      );
      assert.deepEqual(run2.skipped, { no_caption: 4, not_kept: 0, not_grounded: 0 });
      const kept = await read(database.db, { captions: 'fused', fuser: 'fuser-x', only: 'kept', pageSize: 2 });
      assert.deepEqual(
        kept.records.map((r) => r.image_id),
        [0, 2, 4, 6].map((i) => imageId(A, i)),
      );
      assert.deepEqual(kept.skipped, { no_caption: 1, not_kept: 2, not_grounded: 0 });
      const grounded = await read(database.db, { captions: 'fused', fuser: 'fuser-x', only: 'grounded', pageSize: 2 });
      assert.deepEqual(
        grounded.records.map((r) => r.image_id),
        [0, 1, 4, 5, 6].map((i) => imageId(A, i)),
      );
      const originals = await read(database.db, { captions: 'original', pageSize: 4 });
      assert.equal(originals.records.length, 7);
      assert.deepEqual(
        originals.records.map((r) => r.caption),
        [0, 1, 2, 3, 4, 5, 6].map((i) => `first original ${i}`),
      );
      assert.deepEqual([originals.records[0].model_id, originals.records[0].fuser, originals.records[0].decision], ['', null, null]);
    });

    test('with experts: the newest output by creation time, null where a stage has none', async () => {
      const { records } = await read(database.db, { captions: 'fused', withExperts: true, pageSize: 2 });
      const r5 = records.find((r) => r.image_id === imageId(A, 5))!;
      assert.deepEqual(r5.objects, [{ label: 'new dog', score: 0.9, box: [0, 0, 1, 1] }]);
      assert.equal(r5.attributes, null);
      assert.equal(r5.ocr_lines, null);
      assert.equal(records[0].objects, null);
    });
  });
}
