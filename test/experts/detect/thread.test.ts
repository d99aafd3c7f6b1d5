import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDetector } from '../../../experts/detect/index.ts';
import { decodeImage } from '../../../lib/image.ts';
import { SAMPLE_DIR } from '../../support/services.ts';

test('the detector in a worker thread gives exactly the in-process output, and frees the event loop', async () => {
  const images = await Promise.all(['dog.jpg', 'horses.jpg', 'chelsea.png'].map((f) => decodeImage(join(SAMPLE_DIR, 'images', f))));
  const local = await createDetector({});
  const threaded = await createDetector({ workerThread: true });
  try {
    assert.deepEqual(threaded.model, local.model);
    for (const image of images) assert.deepEqual(await threaded.detect(image), await local.detect(image));
    // While the thread runs three detections, timers on this thread keep firing.
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    await Promise.all(images.map((image) => threaded.detect(image)));
    clearInterval(timer);
    assert.ok(ticks >= 10, `event loop stayed free (${ticks} ticks)`);
  } finally {
    await threaded.dispose();
    await local.dispose();
  }
  await assert.rejects(threaded.detect(images[0]), /disposed/);
});

test('a detector on two threads gives the in-process output for concurrent calls', async () => {
  const images = await Promise.all(
    ['dog.jpg', 'horses.jpg', 'kite.jpg', 'person.jpg'].map((f) => decodeImage(join(SAMPLE_DIR, 'images', f))),
  );
  const local = await createDetector({});
  const pooled = await createDetector({ workerThread: true, threads: 2 });
  try {
    const expected = [];
    for (const image of images) expected.push(await local.detect(image));
    assert.deepEqual(await Promise.all(images.map((image) => pooled.detect(image))), expected);
  } finally {
    await pooled.dispose();
    await local.dispose();
  }
  await assert.rejects(pooled.detect(images[0]), /disposed/);
  await assert.rejects(createDetector({ workerThread: true, threads: 0 }), /threads must be a positive integer/);
});
