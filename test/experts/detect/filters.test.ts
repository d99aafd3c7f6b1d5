/**
 * The detector's hallucination filters on real photos from the truth set's tuning half
 * (data/truth/images), with the real CenterNet and the real EfficientNet-Lite0 export: each filter is
 * run alone, so each test fails when its own filter stops working.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { captionSubjects } from '../../../experts/detect/caption-subjects.ts';
import {
  createDetectFilters,
  type DetectFilterOptions,
  type DetectFilters,
  loadCalibration,
  mirrorBox,
  mirrored,
} from '../../../experts/detect/filters.ts';
import { bearing, IMAGENET_CLASSES } from '../../../experts/detect/imagenet.ts';
import { createDetector, type Detector } from '../../../experts/detect/index.ts';
import type { DetectOutput } from '../../../experts/types.ts';
import { type DecodedImage, decodeImage } from '../../../lib/image.ts';

const TRUTH = (name: string) => path.resolve(import.meta.dirname, '../../../data/truth/images', name);
const OFF: DetectFilterOptions = { thresholds: false, caption: false, classifier: false };

let detector: Detector;
const filters: Record<string, DetectFilters> = {};
before(async () => {
  detector = await createDetector({});
  filters.caption = await createDetectFilters({ ...OFF, caption: true });
  filters.classifier = await createDetectFilters({ ...OFF, classifier: true });
  filters.thresholds = await createDetectFilters({ ...OFF, thresholds: true });
  filters.none = await createDetectFilters(OFF);
  filters.flip = await createDetectFilters({ ...OFF, flip: true });
});
after(async () => {
  for (const f of Object.values(filters)) await f.dispose();
  await detector.dispose();
});

async function run(file: string, caption: string, filter: string): Promise<{ raw: DetectOutput; out: DetectOutput; image: DecodedImage }> {
  const image = await decodeImage(TRUTH(file));
  const raw = await detector.detect(image);
  return { raw, out: await filters[filter].apply(raw, image, [caption], detector.model.id, detector), image };
}

const labels = (d: DetectOutput) => d.objects.map((o) => o.label);

test('squirrel photo: the detector says "bird"; the caption filter and the classifier each remove it', async () => {
  const caption = 'A red squirrel sitting on a tree branch eating a nut.';
  const { raw, out } = await run('squirrel.jpg', caption, 'caption');
  assert.ok(labels(raw).includes('bird'), `the unfiltered detector should find the hallucinated bird: ${labels(raw)}`);
  assert.ok(!labels(out).includes('bird'), labels(out).join());
  assert.equal(out.filters!.dropped[0].reason, 'caption_conflict');
  assert.match(out.filters!.dropped[0].detail, /squirrel/);
  // The classifier needs no caption: it sees a fox squirrel in the box.
  const byClassifier = await run('squirrel.jpg', '', 'classifier');
  assert.ok(!labels(byClassifier.out).includes('bird'), labels(byClassifier.out).join());
  const dropped = byClassifier.out.filters!.dropped.find((d) => d.label === 'bird');
  assert.ok(dropped && dropped.reason === 'classifier_contradicts' && /fox squirrel/.test(dropped.detail), JSON.stringify(dropped));
  assert.equal(byClassifier.out.filters!.seen, byClassifier.out.filters!.kept + byClassifier.out.filters!.dropped.length);
});

test('candies photo: no orange or sports ball survives the caption filter; the unfiltered pass had them', async () => {
  const { raw, out } = await run('candies.jpg', 'Colorful round candies scattered on a white surface.', 'caption');
  assert.ok(labels(raw).includes('orange'), labels(raw).join());
  assert.deepEqual(labels(out), []);
  assert.ok(out.filters!.dropped.every((d) => d.reason === 'caption_conflict'));
});

test('classifier keeps what it confirms: the robin stays a bird, the rowing boats stay boats', async () => {
  const robin = await run('robin.jpg', '', 'classifier');
  assert.deepEqual(labels(robin.out), labels(robin.raw));
  assert.ok(labels(robin.out).includes('bird'));
  const boats = await run('rowing_boats.jpg', '', 'classifier');
  assert.deepEqual(labels(boats.out), labels(boats.raw));
});

test("filters off: the output is the detector's, with an empty account", async () => {
  const { raw, out } = await run('squirrel.jpg', 'A red squirrel sitting on a tree branch eating a nut.', 'none');
  assert.deepEqual(out.objects, raw.objects);
  assert.deepEqual(out.filters!.dropped, []);
});

test('calibrated thresholds: the committed calibration drops the mountain path\'s "sheep" (rocks)', async () => {
  const cal = loadCalibration();
  assert.ok(cal, 'experts/detect/calibration.json is missing (node --import tsx scripts/calibrate-detect.ts)');
  assert.equal(cal.calibration.split, 'tuning');
  const { raw, out } = await run('mountain_path.jpg', '', 'thresholds');
  assert.ok(labels(raw).includes('sheep'));
  assert.ok(!labels(out).includes('sheep'), labels(out).join());
  assert.ok(out.filters!.dropped.every((d) => d.reason === 'below_calibrated_threshold'));
});

test('ImageNet → COCO bearing: squirrel/monarch contradict bird, ping-pong ball contradicts orange, soccer ball supports sports ball', () => {
  const i = (name: string) => IMAGENET_CLASSES.indexOf(name);
  assert.equal(bearing(i('fox squirrel'), 'bird'), 'contradicts');
  assert.equal(bearing(i('monarch'), 'bird'), 'contradicts');
  assert.equal(bearing(i('ping-pong ball'), 'orange'), 'contradicts');
  assert.equal(bearing(i('croquet ball'), 'orange'), 'contradicts');
  assert.equal(bearing(i('soccer ball'), 'sports ball'), 'supports');
  assert.equal(bearing(i('palace'), 'kite'), 'contradicts');
  assert.equal(bearing(i('lemon'), 'orange'), 'supports');
  assert.equal(bearing(i('lemon'), 'apple'), 'contradicts');
  assert.equal(bearing(i('web site'), 'tv'), 'neutral');
});

test('caption subjects: non-COCO nouns map to a domain; naming the class itself keeps it', () => {
  assert.equal(captionSubjects(['A monarch butterfly on a leaf']).conflict('bird'), 'butterfly');
  assert.equal(captionSubjects(['A squirrel and a bird on a branch']).conflict('bird'), null);
  assert.equal(captionSubjects(['Sliced citrus on a plate']).conflict('apple'), 'citrus');
  assert.equal(captionSubjects(['Sliced citrus on a plate']).conflict('orange'), null);
  assert.equal(captionSubjects(['A generator beside some leaves']).conflict('bird'), null);
});

test('mirrored photo and boxes: pixels reversed per row, a box maps back onto itself', () => {
  const image: DecodedImage = { data: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), width: 2, height: 2, channels: 3 };
  assert.deepEqual([...mirrored(image).data], [4, 5, 6, 1, 2, 3, 10, 11, 12, 7, 8, 9]);
  assert.deepEqual(mirrorBox({ x: 10, y: 5, width: 30, height: 20 }, 100), { x: 60, y: 5, width: 30, height: 20 });
  assert.deepEqual(mirrorBox(mirrorBox({ x: 10, y: 5, width: 30, height: 20 }, 100), 100), { x: 10, y: 5, width: 30, height: 20 });
});

test('flip agreement (balloons.jpg): what the mirrored pass finds again stays, the rest is dropped with its IoU', async () => {
  const { raw, out } = await run('balloons.jpg', '', 'flip');
  assert.ok(out.objects.length > 0 && out.objects.length <= raw.objects.length);
  for (const d of out.filters!.dropped) {
    assert.equal(d.reason, 'flip_disagrees');
    assert.match(d.detail, /^best IoU in the mirrored pass [0-9.]+ < 0.5$/);
  }
  assert.equal(out.filters!.seen, out.filters!.kept + out.filters!.dropped.length);
  // the big, clear people are found either way round
  const big = raw.objects.filter((o) => o.score >= 0.5);
  for (const o of big)
    assert.ok(
      out.objects.some((k) => k.label === o.label && k.box.x === o.box.x),
      JSON.stringify(o),
    );
  await assert.rejects(filters.flip.apply(raw, await decodeImage(TRUTH('balloons.jpg')), [], detector.model.id), /needs the detector/);
});

test('a flipMinIou outside 0..1 is refused before any model loads', async () => {
  await assert.rejects(
    createDetectFilters({ ...OFF, flip: true, flipMinIou: 1.5 }),
    /detect.filters.flipMinIou must be within 0..1, got 1.5/,
  );
});
