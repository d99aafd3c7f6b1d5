import { decodeImage } from '/work/main/lib/image.ts';
import { createOcr } from '/work/main/experts/ocr/index.ts';
const backend = (process.argv[2] ?? 'paddle') as 'paddle';
const ocr = await createOcr({ backend, threads: Number(process.env.T ?? 1) });
for (const f of process.argv.slice(3)) {
  const img = await decodeImage(f);
  const t = performance.now();
  const out = await ocr.read(img);
  const ms = performance.now() - t;
  console.log(f, img.width, img.height, ms.toFixed(0) + 'ms', JSON.stringify(out.lines.map((l) => [l.text, l.confidence, l.box, l.words.map(w=>[w.text, w.box.x, w.box.width])])));
}
await ocr.dispose();
