/** Test helper: runs one JSONL export in its own process (so a test can SIGKILL it mid-way). */
import { openDatabase } from '../../db/client.ts';
import { exportDataset } from '../../export/index.ts';

const [url, datasetId, out] = process.argv.slice(2);
const database = await openDatabase({ url });
let told = false;
await exportDataset(
  database.db,
  { datasetId, format: 'jsonl', out, captions: 'original', withExperts: false, pageSize: 200 },
  (records) => {
    if (!told && records >= 1000) {
      told = true;
      process.stdout.write('progress\n');
    }
  },
);
process.stdout.write('done\n');
await database.close();
