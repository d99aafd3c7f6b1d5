/**
 * The enriched sample set out and back in, on a real Temporal server and a real PostgreSQL: the real
 * pipeline (probe → detect → attributes → ocr → fuse) enriches data/sample; each export format is read
 * back by the standard reader in Python (json, PyPI webdataset, pyarrow) and every field is compared with
 * the database; a second export writes identical bytes; the exported WebDataset and Parquet ingest into
 * new datasets with the same sha256s and captions; an export SIGKILLed mid-way leaves no output file.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { asc, eq } from 'drizzle-orm';
import type { Session } from '../../cli/context.ts';
import { exportCommand, showCommand } from '../../cli/commands/export.ts';
import { ingestCommand } from '../../cli/commands/ingest.ts';
import { insertNewImages, insertOriginalCaptions, upsertDataset } from '../../db/queries/index.ts';
import { captions, images, stageResults } from '../../db/schema/index.ts';
import type { FuseOutput, DetectOutput } from '../../experts/types.ts';
import { exportDataset, type ExportFormat } from '../../export/index.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import { REPO_ROOT, SAMPLE_DIR, freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';
import { sessionOf } from '../support/waiting.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;
const PYTHON = join(REPO_ROOT, '.venv', 'bin', 'python');

/** What the database says each exported record must hold, read with plain queries (not the exporter's). */
async function expectedRecords(database: Pg, datasetId: string) {
  const rows = await database.db.select().from(images).where(eq(images.datasetId, datasetId)).orderBy(asc(images.seq));
  const out = [];
  for (const image of rows) {
    const caps = await database.db.select().from(captions).where(eq(captions.imageId, image.id)).orderBy(asc(captions.id));
    const originals = caps.filter((c) => c.source === 'original').sort((a, b) => a.ordinal - b.ordinal);
    const fused = caps.filter((c) => c.source === 'fused').at(-1);
    const results = await database.db.select().from(stageResults).where(eq(stageResults.imageId, image.id));
    const fuseRow = results.find((r) => r.stage === 'fuse' && r.modelId === fused?.modelId && r.paramsHash === fused?.paramsHash);
    const detect = results.find((r) => r.stage === 'detect' && r.output);
    out.push({ image, originals: originals.map((c) => c.text), fused, fuse: fuseRow?.output as FuseOutput | undefined, detect });
  }
  return out;
}

function treeHash(dir: string): string {
  const hash = createHash('sha256');
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else hash.update(relative(dir, p)).update(readFileSync(p));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

describe('export and re-ingest of the enriched sample set', () => {
  let database: Pg;
  let temporal: TemporalHarness;
  let session: Session;
  let out: string;
  const dirs = {} as Record<ExportFormat, string>;

  before(async () => {
    database = await freshPostgres('export');
    temporal = await temporalHarness('export');
    const stateDir = mkdtempSync(join(tmpdir(), 'fusecap-export-state-'));
    await temporal.startWorkers(database.db, undefined, stateDir);
    session = sessionOf(temporal, stateDir);
    out = mkdtempSync(join(tmpdir(), 'fusecap-export-'));
    await ingestDataset(database.db, { datasetId: 'sample', root: SAMPLE_DIR, manifest: join(SAMPLE_DIR, 'captions.jsonl') });
    await temporal.client.workflow.execute('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: `${temporal.prefix}-enrich`,
      args: [
        {
          datasetId: 'sample',
          config: { pipeline: { stages: ['probe', 'detect', 'attributes', 'ocr', 'fuse'], batchSize: 10, train: false, benchmark: false } },
        },
      ],
    });
  });
  after(async () => {
    await temporal?.close();
    await database?.cleanup();
  });

  test('every format, read by its standard reader, holds what the database holds', async () => {
    // JSONL through the CLI's path (a workflow on the io worker), the others through the module directly.
    dirs.jsonl = join(out, 'jsonl');
    const viaCli = await exportCommand(session, { datasetId: 'sample', format: 'jsonl', out: dirs.jsonl, withExperts: true });
    assert.equal(viaCli.records, 20);
    for (const format of ['coco', 'webdataset', 'parquet'] as const) {
      dirs[format] = join(out, format);
      const result = await exportDataset(database.db, {
        datasetId: 'sample',
        format,
        out: dirs[format],
        withExperts: true,
        withImages: format === 'parquet',
        shardSize: 8,
        license: 'cc-by-4.0',
      });
      assert.equal(result.records, 20, `${format}: ${JSON.stringify(result)}`);
    }
    assert.deepEqual(readdirSync(dirs.webdataset).sort(), ['sample-00000.tar', 'sample-00001.tar', 'sample-00002.tar']);
    const read = JSON.parse(
      execFileSync(PYTHON, [join(import.meta.dirname, 'read_exports.py'), dirs.jsonl, dirs.coco, dirs.webdataset, dirs.parquet], {
        encoding: 'utf8',
        maxBuffer: 256 << 20,
      }),
    );
    const expected = await expectedRecords(database, 'sample');
    assert.equal(expected.length, 20);
    assert.ok(
      expected.every((e) => e.fused && e.fuse),
      'the pipeline fused every sample image',
    );
    const check = (got: Record<string, unknown>, e: (typeof expected)[number], where: string) => {
      assert.equal(got.image_id, e.image.id, where);
      assert.equal(got.path, e.image.path, where);
      assert.equal(got.sha256, e.image.sha256, where);
      assert.equal(got.width, e.image.width, where);
      assert.equal(got.height, e.image.height, where);
      assert.equal(got.split, e.image.split, where);
      assert.deepEqual(got.original_captions, e.originals, where);
      assert.equal(got.caption, e.fused!.text, where);
      assert.equal(got.caption_source, 'fused', where);
      assert.equal(got.model_id, e.fused!.modelId, where);
      assert.equal(got.model_version, e.fused!.modelVersion, where);
      assert.equal(got.params_hash, e.fused!.paramsHash, where);
      assert.equal(got.run_id, e.fused!.runId, where);
      assert.equal(got.fuser, e.fuse!.backend, where);
      assert.equal(got.prompt_template, e.fuse!.template, where);
      assert.equal(got.grounding_score, e.fuse!.grounding.score, where);
      assert.equal(got.grounding_claims, e.fuse!.grounding.claims, where);
      assert.equal(got.decision, e.fuse!.decision, where);
      const ungrounded = typeof got.ungrounded === 'string' ? JSON.parse(got.ungrounded) : got.ungrounded;
      assert.deepEqual(ungrounded, e.fuse!.grounding.ungrounded, where);
      const objects = typeof got.objects === 'string' ? JSON.parse(got.objects) : got.objects;
      assert.deepEqual(objects, (e.detect?.output as DetectOutput | undefined)?.objects ?? null, where);
    };
    assert.equal(read.jsonl.length, 20);
    read.jsonl.forEach((r: Record<string, unknown>, i: number) => check(r, expected[i], `jsonl[${i}]`));

    assert.equal(read.coco.images.length, 20);
    read.coco.images.forEach((img: { id: number; file_name: string; fusecap: Record<string, unknown> }, i: number) => {
      assert.equal(img.file_name, expected[i].image.path);
      check(img.fusecap, expected[i], `coco.images[${i}]`);
      const anns = read.coco.annotations.filter((a: { image_id: number }) => a.image_id === img.id);
      assert.deepEqual(
        anns.map((a: { caption: string }) => a.caption),
        [expected[i].fused!.text],
      );
    });
    // The sample has no Karpathy split: everything is train, one {image, caption, image_id} per caption.
    assert.equal(read.karpathy['coco_karpathy_train.json'].length, 20);

    assert.equal(read.webdataset.length, 20);
    read.webdataset.forEach((s: { key: string; image_sha256: string; txt: string; json: Record<string, unknown> }, i: number) => {
      assert.equal(s.key, String(i).padStart(9, '0'));
      assert.equal(s.image_sha256, expected[i].image.sha256, 'the image member is the original bytes');
      assert.equal(s.txt, expected[i].fused!.text);
      check(s.json, expected[i], `webdataset[${i}]`);
    });

    assert.equal(read.parquet.rows.length, 20);
    read.parquet.rows.forEach((r: Record<string, unknown>, i: number) => {
      check(r, expected[i], `parquet[${i}]`);
      assert.equal(r.image_sha256, expected[i].image.sha256, 'the image column holds the original bytes');
    });
    const card = readFileSync(join(dirs.parquet, 'README.md'), 'utf8');
    assert.match(card, /^---\nlicense: cc-by-4\.0\n/);
    assert.match(card, /\| images exported \| 20 \|/);
    assert.ok(card.includes(`${expected[0].fused!.modelId}@${expected[0].fused!.modelVersion}`), 'the card names the fuser model');
  });

  test('a second export of the same data writes identical bytes', async () => {
    for (const format of ['jsonl', 'coco', 'webdataset', 'parquet'] as const) {
      const before = treeHash(dirs[format]);
      await exportDataset(database.db, {
        datasetId: 'sample',
        format,
        out: dirs[format],
        withExperts: true,
        withImages: format === 'parquet',
        shardSize: format === 'jsonl' ? undefined : 8,
        license: format === 'parquet' ? 'cc-by-4.0' : undefined,
      });
      assert.equal(treeHash(dirs[format]), before, format);
    }
  });

  test('the exported WebDataset and Parquet ingest as the same images and captions', async () => {
    const source = await expectedRecords(database, 'sample');
    const bySha = new Map(source.map((e) => [e.image.sha256, e.originals]));
    for (const [datasetId, dir] of [
      ['from_wds', dirs.webdataset],
      ['from_parquet', join(dirs.parquet, 'data')],
    ] as const) {
      const result = await ingestCommand(session, { datasetId, manifest: dir });
      assert.equal(result.imagesAdded, 20, `${datasetId}: ${JSON.stringify(result)}`);
      assert.equal(result.issues, 0, JSON.stringify(result.issuesByCode));
      const got = await expectedRecords(database, datasetId);
      assert.deepEqual(new Set(got.map((g) => g.image.sha256)), new Set(bySha.keys()));
      for (const g of got) {
        assert.deepEqual(g.originals, bySha.get(g.image.sha256), `${datasetId} ${g.image.id}`);
        assert.equal(g.image.origin?.kind, datasetId === 'from_wds' ? 'webdataset' : 'parquet');
        assert.equal(createHash('sha256').update(readFileSync(g.image.path)).digest('hex'), g.image.sha256, 'stored blob is addressable');
      }
    }
    // The same bytes from a folder and from a shard are one image.
    const again = await ingestCommand(session, { datasetId: 'sample', manifest: dirs.webdataset });
    assert.equal(again.imagesAdded, 0);
    assert.equal(again.imagesKnown, 20);
  });

  test('show names an image by id or path: captions, stage outputs, runs', async () => {
    const [first] = await expectedRecords(database, 'sample');
    const byPath = await showCommand(session, { ref: first.image.path, datasetId: 'sample' });
    assert.equal(byPath.matches.length, 1);
    const detail = byPath.matches[0];
    assert.equal(detail.image.sha256, first.image.sha256);
    assert.deepEqual(detail.stages.map((s) => s.stage).sort(), ['attributes', 'detect', 'fuse', 'ocr', 'probe']);
    assert.ok(detail.captions.some((c) => c.source === 'fused' && c.text === first.fused!.text));
    assert.ok(detail.runs.length >= 1);
    const byId = await showCommand(session, { ref: first.image.id });
    assert.equal(byId.matches[0].image.id, first.image.id);
    assert.equal((await showCommand(session, { ref: 'no-such-image' })).matches.length, 0);
  });

  test('an export killed mid-way leaves no file under the output name; the next one cleans up', async () => {
    // 20,000 rows written directly (no image work): enough for the JSONL export to be caught mid-way.
    await upsertDataset(database.db, { id: 'big', root: out, source: { kind: 'jsonl', manifest: 'generated' } });
    for (let start = 0; start < 20_000; start += 2000) {
      const rows = Array.from({ length: 2000 }, (_, j) => {
        const sha = createHash('sha256')
          .update(`big-${start + j}`)
          .digest('hex');
        return { id: `big:${sha.slice(0, 24)}`, datasetId: 'big', sha256: sha, path: `img/${start + j}.jpg`, bytes: 1000 };
      });
      await insertNewImages(database.db, { rows });
      await insertOriginalCaptions(database.db, {
        rows: rows.map((r, j) => ({ imageId: r.id, source: 'original' as const, text: `caption ${start + j}`, ordinal: 0 })),
      });
    }
    const target = join(out, 'killed');
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'export-child.ts'), database.url, 'big', target], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let said = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => {
        said += chunk.toString();
        // The child prints after its first pages are written, i.e. mid-way through the export.
        if (said.includes('progress')) resolve();
      });
      child.on('exit', () => reject(new Error(`export child exited before it was killed: ${said}`)));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.equal(existsSync(target), false, 'no output folder appears for a killed export');
    const leftovers = readdirSync(out).filter((n) => n.startsWith('.killed.partial-'));
    assert.equal(leftovers.length, 1, 'the killed export left only its hidden staging folder');
    const result = await exportDataset(database.db, {
      datasetId: 'big',
      format: 'jsonl',
      out: target,
      captions: 'original',
      withExperts: false,
    });
    assert.equal(result.records, 20_000);
    assert.equal(readFileSync(join(target, 'big.jsonl'), 'utf8').trim().split('\n').length, 20_000);
    assert.deepEqual(
      readdirSync(out).filter((n) => n.startsWith('.killed.')),
      [],
      'the stale staging folder of the dead export is gone',
    );
  });
});
