/**
 * Derives data/truth/instances.json (COCO instances format) and data/truth/captions.jsonl (an ingest
 * manifest with each photo's original caption) from the hand-written data/truth/truth.json, so boxes and
 * captions are written once. Run `npx tsx scripts/make-truth-instances.ts` after editing truth.json.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COCO_CATEGORIES, cocoCategoryByName } from '../metrics/hallucination/coco-categories.ts';
import { parseTruthSet } from '../metrics/hallucination/truth.ts';

const dir = join(import.meta.dirname, '..', 'data', 'truth');
const truth = parseTruthSet(JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')));

const images = truth.images.map((im, i) => ({ id: i + 1, file_name: im.file, width: im.width, height: im.height }));
const annotations: object[] = [];
truth.images.forEach((im, i) => {
  for (const obj of im.objects) {
    const cat = cocoCategoryByName(obj.name);
    if (!cat) throw new Error(`${im.file}: ${obj.name} is not a COCO category`);
    for (const [x, y, w, h] of obj.boxes) {
      annotations.push({
        id: annotations.length + 1,
        image_id: i + 1,
        category_id: cat.id,
        bbox: [x, y, w, h],
        area: w * h,
        iscrowd: 0,
        segmentation: [[x, y, x + w, y, x + w, y + h, x, y + h]],
      });
    }
  }
});
const instances = {
  info: { description: 'fusecap truth set: COCO-80 boxes of the main objects, drawn by hand', version: '1' },
  licenses: [],
  images,
  annotations,
  categories: COCO_CATEGORIES,
};
writeFileSync(join(dir, 'instances.json'), JSON.stringify(instances) + '\n');
writeFileSync(
  join(dir, 'captions.jsonl'),
  truth.images.map((im) => JSON.stringify({ file: `images/${im.file}`, captions: [im.caption] })).join('\n') + '\n',
);
console.log(`${images.length} images, ${annotations.length} boxes`);
