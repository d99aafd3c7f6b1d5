/**
 * Bad input end to end on a real PostgreSQL and a real Temporal server: every problem becomes a clear,
 * per-item record; the run finishes for everything else; rows stored earlier do not change.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { eq } from 'drizzle-orm';
import { datasets, images, stageResults } from '../../db/schema/index.ts';
import { listIngestIssues } from '../../db/queries/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { ManifestError } from '../../ingest/manifest.ts';
import { pngWithHugeHeader } from '../support/images.ts';
import { freshPostgres, SAMPLE_DIR, temporalHarness, type TemporalHarness } from '../support/services.ts';

let database: Awaited<ReturnType<typeof freshPostgres>>;
let temporal: TemporalHarness;
let dir: string;

before(async () => {
  database = await freshPostgres('bad_input');
  temporal = await temporalHarness('badinput');
  await temporal.startWorkers(database.db, ['io']);
  dir = mkdtempSync(join(tmpdir(), 'fusecap-bad-'));
  const img = join(dir, 'images');
  mkdirSync(img);
  copyFileSync(join(SAMPLE_DIR, 'images', 'dog.jpg'), join(img, 'good1.jpg'));
  copyFileSync(join(SAMPLE_DIR, 'images', 'chelsea.png'), join(img, 'good2.png'));
  copyFileSync(join(SAMPLE_DIR, 'images', 'dog.jpg'), join(img, 'dup.jpg'));
  writeFileSync(join(img, 'empty.jpg'), Buffer.alloc(0));
  const dog = readFileSync(join(SAMPLE_DIR, 'images', 'giraffe.jpg'));
  writeFileSync(join(img, 'truncated.jpg'), dog.subarray(0, Math.floor(dog.length / 2)));
  writeFileSync(join(img, 'notimage.jpg'), 'this is a text file, not a JPEG\n');
  writeFileSync(join(img, 'huge.png'), pngWithHugeHeader(20000, 20000));
  await sharp(join(SAMPLE_DIR, 'images', 'coffee.png'))
    .toColourspace('cmyk')
    .jpeg()
    .toFile(join(img, 'cmyk.jpg'));
  await sharp(join(SAMPLE_DIR, 'images', 'coffee.png'))
    .resize(64, 64)
    .toColourspace('rgb16')
    .png()
    .toFile(join(img, 'sixteen.png'));
  writeFileSync(
    join(dir, 'first.jsonl'),
    ['good1.jpg', 'good2.png'].map((f) => JSON.stringify({ file: `images/${f}`, captions: [`a photo ${f}`] })).join('\n'),
  );
  const lines = [
    ...['good1.jpg', 'good2.png', 'empty.jpg', 'truncated.jpg', 'notimage.jpg', 'huge.png', 'cmyk.jpg', 'sixteen.png', 'dup.jpg'].map((f) =>
      JSON.stringify({ file: `images/${f}`, captions: [`a photo ${f}`] }),
    ),
    JSON.stringify({ file: '../outside.jpg', captions: ['escapes the root'] }),
    JSON.stringify({ file: 'images/missing.jpg', captions: ['not there'] }),
    JSON.stringify({ file: 'images/good2.png', captions: ['   '] }),
    '{ this is not json',
  ];
  const manifest = Buffer.concat([
    Buffer.from(lines.join('\n') + '\n'),
    // A caption with bytes that are not UTF-8 (0xff 0xfe), on an image that is otherwise fine.
    Buffer.from('{"file": "images/good1.jpg", "captions": ["bad '),
    Buffer.from([0xff, 0xfe]),
    Buffer.from(' bytes"]}\n'),
  ]);
  writeFileSync(join(dir, 'all.jsonl'), manifest);
  writeFileSync(join(dir, 'broken_coco.json'), '{"images": [{"id": 1, "file_name": "images/good1.jpg"}], "annotations": [');
});

after(async () => {
  await temporal?.close();
  await database?.cleanup();
});

async function runProbe(runId: string) {
  return temporal.client.workflow.execute('fuseCapPipeline', {
    taskQueue: `${temporal.prefix}-io`,
    workflowId: `${temporal.prefix}-${runId}`,
    args: [{ datasetId: 'bad', config: { pipeline: { stages: ['probe'], batchSize: 4 } } }],
  });
}

test('a malformed COCO JSON is refused with a clear message before anything is written', async () => {
  await assert.rejects(
    ingestDataset(database.db, { datasetId: 'coco_bad', root: dir, manifest: join(dir, 'broken_coco.json') }),
    (error: Error) => error instanceof ManifestError && /malformed COCO captions JSON/.test(error.message),
  );
  assert.equal((await database.db.select().from(datasets).where(eq(datasets.id, 'coco_bad'))).length, 0);
});

test('bad images and manifest lines are recorded per item; the rest is processed; stored rows do not change', async () => {
  await ingestDataset(database.db, { datasetId: 'bad', root: dir, manifest: join(dir, 'first.jsonl') });
  const first = await runProbe('first');
  assert.equal(first.totals.probe.processed, 2);
  const before = await database.db.select().from(stageResults).orderBy(stageResults.imageId);

  const ingested = await ingestDataset(database.db, { datasetId: 'bad', root: dir, manifest: join(dir, 'all.jsonl') });
  assert.equal(ingested.imagesAdded, 6, 'empty, truncated, notimage, huge, cmyk, sixteen are new; dup and goods are known');
  const issues = await listIngestIssues(database.db, { datasetId: 'bad' });
  const codes = issues.map((i) => i.code).sort();
  for (const code of ['bad_line', 'duplicate_image', 'empty_caption', 'invalid_utf8', 'missing_file', 'path_escapes_root']) {
    assert.ok(codes.includes(code), `issue ${code} recorded (got ${codes.join(', ')})`);
  }
  for (const issue of issues) assert.ok(issue.message.length > 10, `issue ${issue.code} has a message`);

  const second = await runProbe('second');
  assert.equal(second.totals.probe.skipped, 2, 'the two probed images are not probed again');
  assert.equal(second.totals.probe.processed, 2, 'cmyk and 16-bit images decode');
  assert.equal(second.totals.probe.failed, 4);

  const rows = await database.db
    .select({ path: images.path, output: stageResults.output, code: stageResults.errorCode, error: stageResults.error })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId));
  const byPath = Object.fromEntries(rows.map((r) => [r.path.replace('images/', ''), r]));
  assert.equal(byPath['empty.jpg'].code, 'empty_file');
  assert.match(byPath['truncated.jpg'].code!, /corrupt_image|truncated/);
  assert.equal(byPath['notimage.jpg'].code, 'unsupported_format');
  assert.equal(byPath['huge.png'].code, 'image_too_large');
  assert.match(byPath['huge.png'].error!, /20000×20000/);
  assert.equal((byPath['cmyk.jpg'].output as { space: string }).space, 'cmyk');
  assert.equal((byPath['sixteen.png'].output as { depth: string }).depth, 'ushort');

  const afterRows = await database.db.select().from(stageResults).orderBy(stageResults.imageId);
  for (const old of before) {
    const now = afterRows.find((r) => r.imageId === old.imageId);
    assert.deepEqual(now, old, `stored row for ${old.imageId} unchanged`);
  }
});
