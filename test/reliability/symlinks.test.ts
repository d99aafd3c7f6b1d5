/**
 * Symlinks never lead out of the dataset root, on a real PostgreSQL and a real Temporal server: a link to
 * /etc/passwd, a link to a photo outside the root and a linked folder are refused at ingest
 * (`path_escapes_root`, nothing read); a link that pointed inside at ingest and was re-pointed outside
 * before the run is refused when the stage opens it, and the stage never sees the outside file.
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { eq } from 'drizzle-orm';
import { listIngestIssues } from '../../db/queries/index.ts';
import { images, stageResults } from '../../db/schema/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { realPathInside } from '../../lib/dataset-paths.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { freshPostgres, SAMPLE_DIR, temporalHarness, type TemporalHarness } from '../support/services.ts';

let database: Awaited<ReturnType<typeof freshPostgres>>;
let temporal: TemporalHarness;
let root: string;
let outside: string;

before(async () => {
  database = await freshPostgres('symlinks');
  temporal = await temporalHarness('symlinks');
  await temporal.startWorkers(database.db, ['io']);
  const base = mkdtempSync(join(tmpdir(), 'fusecap-links-'));
  root = join(base, 'dataset');
  outside = join(base, 'elsewhere');
  mkdirSync(join(root, 'img'), { recursive: true });
  mkdirSync(outside);
  copyFileSync(join(SAMPLE_DIR, 'images', 'dog.jpg'), join(root, 'img', 'dog.jpg'));
  copyFileSync(join(SAMPLE_DIR, 'images', 'chelsea.png'), join(root, 'img', 'cat.png'));
  copyFileSync(join(SAMPLE_DIR, 'images', 'giraffe.jpg'), join(outside, 'photo.jpg'));
  symlinkSync('/etc/passwd', join(root, 'img', 'link.jpg'));
  symlinkSync(join(outside, 'photo.jpg'), join(root, 'img', 'outside.jpg'));
  symlinkSync(outside, join(root, 'linked-dir'));
  // Inside the root at ingest; re-pointed outside before the run.
  symlinkSync('cat.png', join(root, 'img', 'swapped.png'));
  const lines = [
    { file: 'img/dog.jpg', captions: ['a dog'] },
    { file: 'img/link.jpg', captions: ['passwords'] },
    { file: 'img/outside.jpg', captions: ['a giraffe'] },
    { file: 'linked-dir/photo.jpg', captions: ['a giraffe again'] },
    { file: 'img/swapped.png', captions: ['a cat'] },
  ];
  writeFileSync(join(root, 'captions.jsonl'), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
});
after(async () => {
  await temporal?.close();
  await database?.cleanup();
});

test('realPathInside: the real path inside the root, null for a link that leads out', async () => {
  assert.equal(await realPathInside(root, 'img/dog.jpg'), join(root, 'img', 'dog.jpg'));
  assert.equal(await realPathInside(root, 'img/swapped.png'), join(root, 'img', 'cat.png'));
  assert.equal(await realPathInside(root, 'img/link.jpg'), null);
  assert.equal(await realPathInside(root, 'img/outside.jpg'), null);
  assert.equal(await realPathInside(root, 'linked-dir/photo.jpg'), null);
  assert.equal(await realPathInside(root, '../elsewhere/photo.jpg'), null);
  await assert.rejects(realPathInside(root, 'img/none.jpg'), /ENOENT/);
});

test('links out of the root are refused at ingest and again when a stage opens the file', async () => {
  const ingested = await ingestDataset(database.db, { datasetId: 'links', root, manifest: join(root, 'captions.jsonl') });
  assert.equal(ingested.imagesAdded, 2, 'only dog.jpg and swapped.png (inside at ingest)');
  assert.equal(ingested.issuesByCode.path_escapes_root, 3);
  const issues = await listIngestIssues(database.db, { datasetId: 'links' });
  assert.deepEqual(
    issues
      .filter((i) => i.code === 'path_escapes_root')
      .map((i) => i.file)
      .sort(),
    ['img/link.jpg', 'img/outside.jpg', 'linked-dir/photo.jpg'],
  );
  const stored = await database.db.select({ path: images.path }).from(images).where(eq(images.datasetId, 'links'));
  assert.deepEqual(stored.map((r) => r.path).sort(), ['img/dog.jpg', 'img/swapped.png']);

  rmSync(join(root, 'img', 'swapped.png'));
  symlinkSync(join(outside, 'photo.jpg'), join(root, 'img', 'swapped.png'));
  const result = (await temporal.client.workflow.execute('fuseCapPipeline', {
    taskQueue: `${temporal.prefix}-io`,
    workflowId: `${temporal.prefix}-links`,
    args: [{ datasetId: 'links', config: { pipeline: { stages: ['probe'], benchmark: false } } }],
  })) as PipelineResult;
  assert.equal(result.totals.probe.processed, 1);
  assert.deepEqual(result.totals.probe.errorsByCode, { path_escapes_root: 1 });
  const rows = await database.db
    .select({ path: images.path, code: stageResults.errorCode, output: stageResults.output })
    .from(stageResults)
    .innerJoin(images, eq(images.id, stageResults.imageId))
    .where(eq(images.datasetId, 'links'));
  const swapped = rows.find((r) => r.path === 'img/swapped.png');
  assert.equal(swapped?.code, 'path_escapes_root');
  assert.equal(swapped?.output, null, 'the outside photo was never probed');
  assert.ok(rows.find((r) => r.path === 'img/dog.jpg')?.output);
});
