/** JSONL: one export record per line in `{dataset}.jsonl`. */
import { join } from 'node:path';
import { FileSink } from './files.ts';
import type { FormatWriter, WriterContext } from './writer.ts';

export async function jsonlWriter(ctx: WriterContext): Promise<FormatWriter> {
  const name = `${ctx.datasetId}.jsonl`;
  const sink = await FileSink.create(join(ctx.dir, name));
  return {
    dropped: {},
    async add(record) {
      await sink.write(JSON.stringify(record) + '\n');
    },
    async finish() {
      await sink.close();
      return [name];
    },
  };
}
