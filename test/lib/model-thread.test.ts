import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ModelThread, ModelThreadPool } from '../../lib/model-thread.ts';

const ENTRY = new URL('./thread-id-entry.ts', import.meta.url);

test('a thread pool spreads concurrent requests over its threads and sends a lone caller to an idle one', async () => {
  const pool = await ModelThreadPool.start(ENTRY, {}, 'stand-in', 2);
  try {
    assert.equal(pool.size, 2);
    assert.equal(pool.info, 'stand-in');
    const burst = (await Promise.all(Array.from({ length: 4 }, () => pool.request('run', { ms: 30 })))) as number[];
    assert.equal(new Set(burst).size, 2, `4 concurrent requests ran on threads ${burst.join(', ')}`);
    // Requests one after another always find the first thread idle.
    const lone: unknown[] = [];
    for (let i = 0; i < 3; i++) lone.push(await pool.request('run', { ms: 1 }));
    assert.equal(new Set(lone).size, 1);
  } finally {
    await pool.close('pool closed');
  }
  await assert.rejects(pool.request('run'), /pool closed/);
});

test('a thread pool that cannot load its model fails to start with the model error', async () => {
  await assert.rejects(ModelThreadPool.start(ENTRY, { fail: true }, 'stand-in', 2), /refuses to load/);
  await assert.rejects(ModelThreadPool.start(ENTRY, {}, 'stand-in', 0), /positive integer/);
});

test('a thread that dies is never chosen again: its request rejects, later requests run on a fresh thread', async () => {
  const pool = await ModelThreadPool.start(ENTRY, {}, 'dying', 1);
  try {
    const first = (await pool.request('run', { ms: 1 })) as number;
    const [thread] = ModelThread.running('dying');
    assert.ok(thread?.alive);
    const inFlight = pool.request('run', { ms: 2_000 });
    await thread.terminate(); // what a crash or an out-of-memory end does to the thread
    await assert.rejects(inFlight, /dying worker thread exited/);
    assert.equal(thread.alive, false);
    assert.equal(pool.liveThreads, 0);
    // The next request waits for the replacement instead of going to the dead thread.
    const after = (await pool.request('run', { ms: 1 })) as number;
    assert.notEqual(after, first, 'served by a new thread');
    assert.equal(pool.liveThreads, 1);
    assert.ok(pool.open);
  } finally {
    await pool.close('pool closed');
  }
  assert.equal(pool.open, false);
  assert.deepEqual(ModelThread.running('dying'), []);
});
