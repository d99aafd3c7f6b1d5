/**
 * WebDataset tar shards as img2dataset writes them: per sample `{key}.{jpg|png|…}` (the image's bytes as
 * stored), `{key}.txt` (the exported caption) and `{key}.json` (the export record), `shardSize` samples
 * per `{dataset}-{00000}.tar`. Headers carry a fixed mtime, owner and mode so the same data gives the same
 * bytes. A sample whose image file cannot be read is left out and counted (`dropped.missing_image`).
 */
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import type { ExportRecord } from './records.ts';
import { imageExtension, shardName, type FormatWriter, type WriterContext, type WriterImage } from './writer.ts';

const MTIME = new Date(0);

export async function webdatasetWriter(ctx: WriterContext): Promise<FormatWriter> {
  const files: string[] = [];
  const dropped: Record<string, number> = {};
  let current: { pack: tar.Pack; done: Promise<void>; samples: number } | null = null;
  let shard = 0;

  const entry = (pack: tar.Pack, name: string, body: Buffer) =>
    new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: body.length, mtime: MTIME, mode: 0o644, uid: 0, gid: 0, uname: '', gname: '' }, body, (error) =>
        error ? reject(error) : resolve(),
      ),
    );
  const close = async () => {
    if (!current) return;
    current.pack.finalize();
    await current.done;
    current = null;
  };

  return {
    dropped,
    async add(record: ExportRecord, image: WriterImage) {
      let bytes: Buffer;
      try {
        bytes = await readFile(ctx.imagePath(image));
      } catch {
        dropped.missing_image = (dropped.missing_image ?? 0) + 1;
        return;
      }
      if (!current) {
        const name = shardName(ctx.datasetId, shard++, 'tar');
        const pack = tar.pack();
        current = { pack, done: pipeline(pack, createWriteStream(join(ctx.dir, name))), samples: 0 };
        files.push(name);
      }
      const { pack } = current;
      await entry(pack, `${record.key}.${imageExtension(image)}`, bytes);
      await entry(pack, `${record.key}.txt`, Buffer.from(record.caption, 'utf8'));
      await entry(pack, `${record.key}.json`, Buffer.from(JSON.stringify(record), 'utf8'));
      if (++current.samples >= ctx.shardSize) await close();
    },
    async finish() {
      await close();
      return files;
    },
  };
}
