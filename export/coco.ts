/**
 * COCO captions JSON, as BLIP / LAVIS read it:
 * - `captions.json`: `{info, licenses, images: [{id, file_name, width, height, split, fusecap}],
 *   annotations: [{id, image_id, caption}]}` (pycocotools / pycocoevalcap layout). `fusecap` holds the
 *   whole export record; annotations are the exported captions (all originals for `--captions original`,
 *   else the one fused or generated caption).
 * - `coco_karpathy_{train,val,test}.json`: BLIP's Karpathy-split files. Train: one `{image, caption,
 *   image_id}` per caption; val / test: `{image, caption: [references], image_id}` with the original
 *   captions as references. restval and images without a split go to train, as Karpathy's split does.
 * Streamed: images go to the output as they come, annotations to a side file appended at the end.
 */
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { FileSink } from './files.ts';
import type { FormatWriter, WriterContext } from './writer.ts';

const KARPATHY: Record<string, 'train' | 'val' | 'test'> = { train: 'train', restval: 'train', val: 'val', test: 'test' };

export async function cocoWriter(ctx: WriterContext): Promise<FormatWriter> {
  const main = await FileSink.create(join(ctx.dir, 'captions.json'));
  const annotations = await FileSink.create(join(ctx.dir, '.annotations.part'));
  const karpathy = new Map<string, FileSink>();
  let images = 0;
  let annotationId = 0;
  await main.write(`{"info":${JSON.stringify({ description: `fusecap export of ${ctx.datasetId}` })},"licenses":[],"images":[`);
  const splitSink = async (split: string) => {
    let sink = karpathy.get(split);
    if (!sink) {
      sink = await FileSink.create(join(ctx.dir, `coco_karpathy_${split}.json`));
      await sink.write('[');
      karpathy.set(split, sink);
    }
    return sink;
  };
  const counts = new Map<string, number>();
  const append = async (split: string, entry: unknown) => {
    const sink = await splitSink(split);
    const n = counts.get(split) ?? 0;
    await sink.write((n ? ',\n' : '\n') + JSON.stringify(entry));
    counts.set(split, n + 1);
  };
  return {
    dropped: {},
    async add(record) {
      const id = images;
      const entry = {
        id,
        file_name: record.path,
        width: record.width,
        height: record.height,
        split: record.split,
        fusecap: record,
      };
      await main.write((images ? ',\n' : '\n') + JSON.stringify(entry));
      images++;
      const texts = record.caption_source === 'original' ? record.original_captions : [record.caption];
      for (const caption of texts) {
        await annotations.write((annotationId ? ',\n' : '\n') + JSON.stringify({ id: annotationId, image_id: id, caption }));
        annotationId++;
      }
      const split = KARPATHY[record.split ?? 'train'] ?? 'train';
      if (split === 'train') {
        for (const caption of texts) await append(split, { image: record.path, caption, image_id: record.image_id });
      } else {
        const refs = record.original_captions.length ? record.original_captions : [record.caption];
        await append(split, { image: record.path, caption: refs, image_id: record.image_id });
      }
    },
    async finish() {
      await annotations.close();
      await main.write('\n],"annotations":[');
      for await (const chunk of createReadStream(annotations.path)) await main.write(chunk as Buffer);
      await main.write('\n]}\n');
      await main.close();
      await rm(annotations.path);
      const files = ['captions.json'];
      for (const [split, sink] of [...karpathy].sort(([a], [b]) => a.localeCompare(b))) {
        await sink.write('\n]\n');
        await sink.close();
        files.push(`coco_karpathy_${split}.json`);
      }
      return files;
    },
  };
}
