import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { resolveInside } from '../../ingest/ingest-dataset.ts';
import { ManifestError, parseCsvRows, readManifest } from '../../ingest/manifest.ts';

const dir = mkdtempSync(join(tmpdir(), 'fusecap-manifest-'));
const write = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

test('CSV: quoted fields, commas and quotes inside, one row per caption merged per file', () => {
  const path = write(
    'c.csv',
    'image,caption,split\nimages/a.jpg,"a dog, sitting",train\nimages/a.jpg,"the ""best"" dog",train\r\nimages/b.jpg,a cat,val\n',
  );
  const { entries, issues } = readManifest(path);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    entries.map((e) => [e.file, e.captions, e.split]),
    [
      ['images/a.jpg', ['a dog, sitting', 'the "best" dog'], 'train'],
      ['images/b.jpg', ['a cat'], 'val'],
    ],
  );
  assert.deepEqual(parseCsvRows('a,"b\nc"\n'), [['a', 'b\nc']]);
});

test('CSV without a file or caption column is a bad manifest, named clearly', () => {
  const path = write('bad.csv', 'name,description\nx,y\n');
  assert.throws(
    () => readManifest(path),
    (e: Error) => e instanceof ManifestError && /file column/.test(e.message) && /name, description/.test(e.message),
  );
});

test('COCO captions JSON (official layout): captions grouped by image_id; unknown ids reported', () => {
  const path = write(
    'coco.json',
    JSON.stringify({
      images: [
        { id: 1, file_name: 'a.jpg' },
        { id: 2, file_name: 'b.jpg' },
      ],
      annotations: [
        { image_id: 1, caption: 'one' },
        { image_id: 2, caption: 'two' },
        { image_id: 1, caption: 'uno' },
        { image_id: 9, caption: 'orphan' },
      ],
    }),
  );
  const { entries, issues } = readManifest(path);
  assert.deepEqual(
    entries.map((e) => [e.file, e.captions]),
    [
      ['a.jpg', ['one', 'uno']],
      ['b.jpg', ['two']],
    ],
  );
  assert.equal(issues.length, 1);
  assert.match(issues[0].message, /unknown image_id 9/);
});

test('Karpathy split JSON: filepath/filename, split and raw sentences', () => {
  const path = write(
    'karpathy.json',
    JSON.stringify({
      images: [{ filepath: 'val2014', filename: 'x.jpg', split: 'test', sentences: [{ raw: 'A man.' }, { raw: 'A person.' }] }],
    }),
  );
  const { entries } = readManifest(path);
  assert.deepEqual(entries, [
    { location: 'karpathy.json:images[0]', file: 'val2014/x.jpg', split: 'test', captions: ['A man.', 'A person.'] },
  ]);
});

test('unknown manifest extension is refused with the allowed ones listed', () => {
  assert.throws(() => readManifest(write('m.txt', '')), /\.jsonl, \.csv, \.json/);
});

test('paths may not escape the dataset root', () => {
  assert.equal(resolveInside('/data/set', 'images/a.jpg'), '/data/set/images/a.jpg');
  assert.equal(resolveInside('/data/set', '../other/a.jpg'), null);
  assert.equal(resolveInside('/data/set', 'images/../../a.jpg'), null);
  assert.equal(resolveInside('/data/set', '/etc/passwd'), null);
  assert.equal(resolveInside('/data/set', '/data/set/ok.jpg'), '/data/set/ok.jpg');
});
