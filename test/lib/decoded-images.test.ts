import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { DecodedImageCache, decodeCacheBudgetBytes } from '../../lib/decoded-images.ts';
import { decodeImage } from '../../lib/image.ts';
import { StageInputError } from '../../lib/errors.ts';

const SAMPLE = new URL('../../data/sample/images/', import.meta.url).pathname;
const MB = 1024 * 1024;

test('stages asking for the same photo share one decode, with the same pixels decodeImage gives', async () => {
  const cache = new DecodedImageCache(64 * MB);
  const path = join(SAMPLE, 'beach_sign.jpg');
  // detect and ocr ask at once (the same level of a batch), attributes later.
  const [a, b] = await Promise.all([cache.get(path), cache.get(path)]);
  const c = await cache.get(path);
  assert.equal(a, b);
  assert.equal(a, c);
  assert.deepEqual(cache.stats(), { hits: 2, misses: 1, evictions: 0, entries: 1, bytes: a.data.length });
  const direct = await decodeImage(path);
  assert.equal(direct.width, a.width);
  assert.equal(direct.height, a.height);
  assert.ok(direct.data.equals(a.data));
});

test('a file rewritten between stages decodes afresh', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'decoded-images-'));
  try {
    const path = join(dir, 'photo');
    await copyFile(join(SAMPLE, 'beach_sign.jpg'), path);
    const cache = new DecodedImageCache(64 * MB);
    const before = await cache.get(path);
    await copyFile(join(SAMPLE, 'camera.png'), path);
    // Same second on a coarse clock would keep the mtime: set it apart explicitly.
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    const after = await cache.get(path);
    const camera = await decodeImage(join(SAMPLE, 'camera.png'));
    assert.notEqual(before, after);
    assert.equal(after.width, camera.width);
    assert.ok(after.data.equals(camera.data));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the cache stays within its byte budget, evicting the least recently used photo', async () => {
  const paths = ['beach_sign.jpg', 'camera.png', 'astronaut.png'].map((name) => join(SAMPLE, name));
  const sizes = await Promise.all(paths.map(async (p) => (await decodeImage(p)).data.length));
  // Room for the two largest, not for all three.
  const budget = sizes.reduce((s, x) => s + x, 0) - Math.min(...sizes) + 1;
  const cache = new DecodedImageCache(budget);
  await cache.get(paths[0]);
  await cache.get(paths[1]);
  await cache.get(paths[0]); // paths[0] is now the most recent
  await cache.get(paths[2]);
  const stats = cache.stats();
  assert.ok(stats.bytes <= budget, `${stats.bytes} bytes held, budget ${budget}`);
  assert.ok(stats.evictions >= 1);
  const hitsBefore = stats.hits;
  await cache.get(paths[2]);
  assert.equal(cache.stats().hits, hitsBefore + 1, 'the newest photo is still held');
  // A photo larger than the whole budget is decoded and returned, never held.
  const tiny = new DecodedImageCache(1024);
  const big = await tiny.get(paths[1]);
  assert.equal(big.data.length, sizes[1]);
  assert.equal(tiny.stats().bytes, 0);
});

test('a failed decode is not kept: each stage gets the per-image error itself', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'decoded-images-'));
  try {
    const path = join(dir, 'broken.jpg');
    await writeFile(path, Buffer.from('not an image at all'));
    const cache = new DecodedImageCache(64 * MB);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(cache.get(path), (e: unknown) => e instanceof StageInputError && e.code === 'unsupported_format');
    }
    assert.equal(cache.stats().entries, 0);
    await assert.rejects(cache.get(join(dir, 'absent.jpg')), (e: unknown) => e instanceof StageInputError && e.code === 'missing_file');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('FUSECAP_DECODE_CACHE_MB sets the budget; 0 turns the cache off; nonsense is refused', async () => {
  assert.equal(decodeCacheBudgetBytes({}), 256 * MB);
  assert.equal(decodeCacheBudgetBytes({ FUSECAP_DECODE_CACHE_MB: '64' }), 64 * MB);
  assert.throws(() => decodeCacheBudgetBytes({ FUSECAP_DECODE_CACHE_MB: 'lots' }), /FUSECAP_DECODE_CACHE_MB/);
  const off = new DecodedImageCache(decodeCacheBudgetBytes({ FUSECAP_DECODE_CACHE_MB: '0' }));
  const path = join(SAMPLE, 'beach_sign.jpg');
  assert.notEqual(await off.get(path), await off.get(path));
  assert.equal(off.stats().entries, 0);
});
