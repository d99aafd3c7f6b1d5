/**
 * Ingest of WebDataset tar shards and Parquet files, on both database drivers (real PostgreSQL and
 * PGlite), with real images from data/sample: a good shard ingests with its captions, URL and key; a
 * truncated tar, a sample without an image or without a caption, a link member, a symlinked shard that
 * points out of the source, an unreadable Parquet row group, a row with only a URL, a path escaping the
 * root, a file that is not Parquet: each is a per-item issue with its code, and the rest is ingested. The
 * same bytes from a folder and from a shard are one image.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import { asyncBufferFromFile, parquetMetadataAsync } from 'hyparquet';
import { ParquetWriter, fileWriter } from 'hyparquet-writer';
import tar from 'tar-stream';
import type { Database } from '../../db/client.ts';
import { listIngestIssues } from '../../db/queries/index.ts';
import { captions, images } from '../../db/schema/index.ts';
import { exportDataset } from '../../export/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { SAMPLE_DIR, freshPglite, freshPostgres } from '../support/services.ts';

const img = (name: string) => readFileSync(join(SAMPLE_DIR, 'images', name));

async function tarOf(members: { name: string; body?: Buffer; type?: 'symlink'; linkname?: string }[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((r) => pack.on('end', () => r()));
  for (const m of members) {
    await new Promise<void>((resolve, reject) => {
      const cb = (e?: Error | null) => (e ? reject(e) : resolve());
      if (m.type) pack.entry({ name: m.name, type: m.type, linkname: m.linkname }, cb);
      else pack.entry({ name: m.name, size: m.body!.length }, m.body!, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function writeParquet(path: string, rows: { caption: string; bytes: Buffer | null; path: string | null; url: string | null }[]) {
  const writer = new ParquetWriter({
    writer: fileWriter(path),
    schema: [
      { name: 'root', num_children: 3 },
      { name: 'caption', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'url', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ],
  });
  await writer.write({
    columnData: [
      { name: 'caption', data: rows.map((r) => r.caption) },
      { name: 'url', data: rows.map((r) => r.url) },
      {
        name: 'image',
        data: rows.map((r) => (r.bytes || r.path ? { bytes: r.bytes ? new Uint8Array(r.bytes) : null, path: r.path } : null)) as never,
      },
    ],
    rowGroupSize: 2,
  });
  await writer.finish();
}

const drivers: [string, () => Promise<Database & { cleanup(): Promise<void> }>][] = [
  ['postgres (node-postgres)', () => freshPostgres('shards')],
  ['pglite', () => freshPglite()],
];

for (const [driver, open] of drivers) {
  describe(`shard ingest on ${driver}`, () => {
    let database: Database & { cleanup(): Promise<void> };
    let dir: string;
    let blobDir: string;
    before(async () => {
      database = await open();
      dir = mkdtempSync(join(tmpdir(), 'fusecap-shards-'));
      blobDir = join(dir, 'blobs');
    });
    after(async () => database.cleanup());

    const captionsOf = async (datasetId: string) => {
      const rows = await database.db
        .select({ sha256: images.sha256, text: captions.text, origin: images.origin, path: images.path })
        .from(images)
        .leftJoin(captions, eq(captions.imageId, images.id))
        .where(eq(images.datasetId, datasetId))
        .orderBy(asc(images.seq), asc(captions.ordinal));
      return rows;
    };

    test('WebDataset: good samples ingest; truncated shard, missing image / caption, links, escaping symlink are issues', async () => {
      const wds = join(dir, 'wds');
      mkdirSync(wds);
      writeFileSync(
        join(wds, 'a-00000.tar'),
        await tarOf([
          { name: '000000000.jpg', body: img('dog.jpg') },
          { name: '000000000.txt', body: Buffer.from('a dog next to a bicycle') },
          { name: '000000000.json', body: Buffer.from(JSON.stringify({ url: 'http://example.com/dog.jpg', key: '000000000' })) },
          { name: '000000001.png', body: img('sign_stop.png') },
          { name: '000000001.txt', body: Buffer.from('a stop sign') },
          { name: '000000002.txt', body: Buffer.from('a caption without its image') },
          { name: '000000002.json', body: Buffer.from('{}') },
          { name: '000000003.png', body: img('sign_bakery.png') },
          { name: 'evil.jpg', type: 'symlink', linkname: '/etc/passwd' },
        ]),
      );
      const second = await tarOf([
        { name: 'x/000000010.png', body: img('sign_street.png') },
        { name: 'x/000000010.txt', body: Buffer.from('a street sign') },
        { name: 'x/000000011.jpg', body: img('eagle.jpg') },
        { name: 'x/000000011.txt', body: Buffer.from('an eagle') },
      ]);
      // Cut inside the eagle's image: the street sign survives, the eagle is incomplete.
      writeFileSync(join(wds, 'a-00001.tar'), second.subarray(0, second.length - 30_000));
      const outside = join(dir, 'outside.tar');
      writeFileSync(outside, await tarOf([{ name: '0.png', body: img('text.png') }]));
      symlinkSync(outside, join(wds, 'a-00002.tar'));

      const result = await ingestDataset(database.db, { datasetId: 'wds', root: wds, manifest: wds, blobDir });
      assert.equal(result.imagesAdded, 4, JSON.stringify(result)); // dog, stop, bakery (no caption), street
      const codes = (await listIngestIssues(database.db, { datasetId: 'wds' })).map((i) => i.code).sort();
      assert.deepEqual(codes, ['link_member', 'missing_caption', 'missing_image', 'path_escapes_root', 'truncated_shard']);
      const rows = await captionsOf('wds');
      assert.deepEqual(
        rows.map((r) => [r.sha256, r.text]),
        [
          [sha256Hex(img('dog.jpg')), 'a dog next to a bicycle'],
          [sha256Hex(img('sign_stop.png')), 'a stop sign'],
          [sha256Hex(img('sign_bakery.png')), null],
          [sha256Hex(img('sign_street.png')), 'a street sign'],
        ],
      );
      assert.deepEqual(rows[0].origin, {
        kind: 'webdataset',
        shard: join(wds, 'a-00000.tar'),
        key: '000000000',
        url: 'http://example.com/dog.jpg',
      });
      assert.deepEqual(readFileSync(rows[0].path), img('dog.jpg'), 'the image is addressable as a plain file in the blob store');
      assert.ok(rows[0].path.startsWith(blobDir));
    });

    test('export on this driver: keyset pages of 2 give every record once, in seq order, with origin and URL', async () => {
      const out = join(dir, 'export-wds');
      const result = await exportDataset(database.db, {
        datasetId: 'wds',
        format: 'jsonl',
        out,
        captions: 'original',
        withExperts: false,
        pageSize: 2,
      });
      assert.deepEqual(
        { records: result.records, scanned: result.scanned, noCaption: result.skipped.no_caption },
        { records: 3, scanned: 4, noCaption: 1 },
      );
      const lines = readFileSync(join(out, 'wds.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      assert.deepEqual(
        lines.map((l) => [l.key, l.caption, l.sha256]),
        [
          ['000000000', 'a dog next to a bicycle', sha256Hex(img('dog.jpg'))],
          ['000000001', 'a stop sign', sha256Hex(img('sign_stop.png'))],
          ['000000002', 'a street sign', sha256Hex(img('sign_street.png'))],
        ],
      );
      assert.equal(lines[0].url, 'http://example.com/dog.jpg');
      assert.equal(lines[0].origin.kind, 'webdataset');
    });

    test('the same bytes from a folder and from a shard are one image', async () => {
      await ingestDataset(database.db, { datasetId: 'mixed', root: SAMPLE_DIR, manifest: join(SAMPLE_DIR, 'captions.jsonl'), blobDir });
      const shard = join(dir, 'one.tar');
      writeFileSync(
        shard,
        await tarOf([
          { name: 'k.jpg', body: img('dog.jpg') },
          { name: 'k.txt', body: Buffer.from('a dog') },
        ]),
      );
      const result = await ingestDataset(database.db, { datasetId: 'mixed', root: dir, manifest: shard, blobDir });
      assert.equal(result.imagesAdded, 0);
      assert.equal(result.imagesKnown, 1);
    });

    test('Parquet: an unreadable row group, a URL-only row, an escaping path, a non-Parquet file are issues; the rest ingests', async () => {
      const pq = join(dir, 'pq');
      mkdirSync(pq);
      writeFileSync(join(pq, 'photo.jpg'), img('giraffe.jpg'));
      const file = join(pq, 'train-00000.parquet');
      await writeParquet(file, [
        { caption: 'row group zero, to be corrupted', bytes: img('sign_stop.png'), path: 'stop.png', url: null },
        { caption: 'also in row group zero', bytes: img('sign_bakery.png'), path: null, url: null },
        { caption: 'a dog with bytes', bytes: img('dog.jpg'), path: 'dog.jpg', url: null },
        { caption: 'a giraffe by path', bytes: null, path: 'photo.jpg', url: null },
        { caption: 'only a url', bytes: null, path: null, url: 'http://example.com/x.jpg' },
        { caption: 'escaping', bytes: null, path: '../outside.tar', url: null },
      ]);
      const metadata = await parquetMetadataAsync(await asyncBufferFromFile(file));
      assert.equal(metadata.row_groups.length, 3);
      const bytes = readFileSync(file);
      const chunk = metadata.row_groups[0].columns[0].meta_data!;
      const start = Number(chunk.dictionary_page_offset ?? chunk.data_page_offset);
      bytes.fill(0xff, start, start + 24); // the first row group's first page header becomes garbage
      writeFileSync(file, bytes);
      writeFileSync(join(pq, 'broken.parquet'), 'not a parquet file at all');

      const result = await ingestDataset(database.db, { datasetId: 'pq', root: pq, manifest: pq, blobDir });
      assert.equal(result.imagesAdded, 2, JSON.stringify(result));
      const codes = (await listIngestIssues(database.db, { datasetId: 'pq' })).map((i) => i.code).sort();
      assert.deepEqual(codes, ['path_escapes_root', 'remote_image', 'unreadable_row_group', 'unreadable_shard']);
      const rows = await captionsOf('pq');
      assert.deepEqual(
        rows.map((r) => [r.sha256, r.text]),
        [
          [sha256Hex(img('dog.jpg')), 'a dog with bytes'],
          [sha256Hex(img('giraffe.jpg')), 'a giraffe by path'],
        ],
      );
      assert.equal((rows[0].origin as { kind: string }).kind, 'parquet');
    });
  });
}

function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}
