import { readdirSync } from 'node:fs';
import { createDetector } from './experts/detect/index.ts';
import { createAttributeRecognizer } from './experts/attributes/index.ts';
import { decodeImage } from './lib/image.ts';
const dir = 'data/sample/images';
const files = readdirSync(dir);
const det = await createDetector({});
const variants: Record<string, any> = { full: {}, noFaces: { faces: false }, noMask: { colorMask: false }, none: { faces: false, colorMask: false } };
const imgs = [];
for (const f of files) { const im = await decodeImage(`${dir}/${f}`); imgs.push([f, im, await det.detect(im)] as const); }
for (const [name, opt] of Object.entries(variants)) {
  const r = await createAttributeRecognizer(opt);
  for (const [, im, d] of imgs.slice(0, 2)) await r.describe(im, d);
  const t0 = performance.now();
  for (let k = 0; k < 2; k++) for (const [, im, d] of imgs) await r.describe(im, d);
  console.log(name, ((performance.now() - t0) / imgs.length / 2).toFixed(1), 'ms/img');
  await r.dispose();
}
const people = imgs.reduce((s, [, , d]) => s + d.objects.filter((o: any) => o.label === 'person').length, 0);
console.log('people', people, 'objects', imgs.reduce((s, [, , d]) => s + d.objects.length, 0));
await det.dispose?.();
process.exit(0);
