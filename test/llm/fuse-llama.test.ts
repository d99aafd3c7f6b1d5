/**
 * The `llama` fuser on the bundled sample set, with the real Qwen2.5-Coder-1.5B-Instruct GGUF that setup
 * installs, through the whole durable path (real Temporal, real PostgreSQL, the real vision experts):
 * every reply parses against the reply schema, every grounding decision is recorded, a second run does no
 * model work, and after half the fuse rows are lost a resumed run regenerates exactly those, word for word
 * the same captions (greedy, seeded: deterministic across runs).
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { and, eq, inArray } from 'drizzle-orm';
import { images, stageResults } from '../../db/schema/index.ts';
import { defaultModelInstalled } from '../../experts/fuse/llama.ts';
import type { FuseOutput } from '../../experts/types.ts';
import { ingestDataset } from '../../ingest/ingest-dataset.ts';
import type { PipelineResult } from '../../workflows/pipeline.ts';
import { SAMPLE_DIR, freshPostgres, temporalHarness, type TemporalHarness } from '../support/services.ts';

type Pg = Awaited<ReturnType<typeof freshPostgres>>;

// batchSize 5 → 4 fuse batches in flight on the llm queue, all served by the one loaded model's sequence.
const config = {
  pipeline: { stages: ['probe', 'detect', 'attributes', 'ocr', 'fuse'], batchSize: 5, maxConcurrentBatches: 4, benchmark: false },
  fuse: { backend: 'llama' },
};

describe('llama fuser on the sample set (real model, real Temporal + PostgreSQL)', () => {
  let database: Pg;
  let temporal: TemporalHarness;
  let run = 0;
  const execute = (): Promise<PipelineResult> =>
    temporal.client.workflow.execute('fuseCapPipeline', {
      taskQueue: `${temporal.prefix}-io`,
      workflowId: `${temporal.prefix}-llama-${++run}`,
      args: [{ datasetId: 'sample', config }],
    });
  const fuseRows = async () =>
    database.db
      .select({ imageId: stageResults.imageId, output: stageResults.output, errorCode: stageResults.errorCode })
      .from(stageResults)
      .innerJoin(images, eq(images.id, stageResults.imageId))
      .where(and(eq(images.datasetId, 'sample'), eq(stageResults.stage, 'fuse')));

  before(async () => {
    assert.ok(defaultModelInstalled(), 'the default GGUF is installed and verified (bash scripts/setup.sh)');
    database = await freshPostgres('fusellama');
    temporal = await temporalHarness('fusellama');
    await temporal.startWorkers(database.db, undefined, mkdtempSync(join(tmpdir(), 'fusecap-llama-')));
    await ingestDataset(database.db, { datasetId: 'sample', root: SAMPLE_DIR, manifest: join(SAMPLE_DIR, 'captions.jsonl') });
  });
  after(async () => {
    await temporal?.close();
    await database?.cleanup();
  });

  let first: Map<string, FuseOutput>;

  test('every image gets an LLM caption that parsed, or a counted fallback with its reason', async () => {
    const result = await execute();
    assert.equal(result.totals.fuse.images, 20);
    assert.equal(result.totals.fuse.failed, 0, JSON.stringify(result.totals.fuse.errorsByCode));
    const rows = await fuseRows();
    assert.equal(rows.length, 20);
    first = new Map(rows.map((r) => [r.imageId, r.output as FuseOutput]));
    const decisions: Record<string, number> = {};
    for (const out of first.values()) {
      decisions[out.decision] = (decisions[out.decision] ?? 0) + 1;
      if (out.decision === 'fallback') {
        assert.ok(out.fallbackReason, 'a fallback says why');
        assert.equal(out.fallbackFrom?.startsWith('llama:llama.cpp/qwen2.5-coder-1.5b-instruct-q4_k_m'), true);
        // A fallback for grounding keeps the model's caption for auditing; a bad reply has none.
        if (out.rejected) assert.ok(out.rejected.caption.length > 0);
      } else {
        assert.equal(out.backend, 'llama');
        assert.equal(out.template, 'fusecap-chat@3');
        assert.ok(out.claims && Array.isArray(out.claims.objects) && Array.isArray(out.claims.texts), 'the JSON claims are stored');
        assert.ok(out.grounding.score >= 0.8 || out.decision === 'flagged');
        assert.doesNotMatch(out.caption, /confidence|\d\.\d\d|\[|\]/, 'no scores or brackets pasted into the caption');
      }
    }
    console.log(`decisions on the sample set: ${JSON.stringify(decisions)}`);
    for (const [id, out] of first) console.log(`  ${id.split(':')[1].slice(0, 6)} ${out.decision.padEnd(8)} ${out.caption}`);
    assert.ok((decisions.kept ?? 0) >= 10, `most captions are the LLM's own (${JSON.stringify(decisions)})`);
  });

  test('a second run does no model work (idempotent)', async () => {
    const result = await execute();
    assert.deepEqual({ skipped: result.totals.fuse.skipped, processed: result.totals.fuse.processed }, { skipped: 20, processed: 0 });
  });

  test('lost fuse rows are redone, and only those, with the same captions (resumable, deterministic)', async () => {
    const lost = [...first.keys()].sort().filter((_, i) => i % 2 === 0);
    await database.db.delete(stageResults).where(and(eq(stageResults.stage, 'fuse'), inArray(stageResults.imageId, lost)));
    const result = await execute();
    assert.deepEqual({ skipped: result.totals.fuse.skipped, processed: result.totals.fuse.processed }, { skipped: 10, processed: 10 });
    const again = new Map((await fuseRows()).map((r) => [r.imageId, r.output as FuseOutput]));
    for (const id of lost) {
      assert.equal(again.get(id)?.caption, first.get(id)?.caption, `same caption for ${id}`);
      assert.deepEqual(again.get(id)?.claims, first.get(id)?.claims);
      assert.equal(again.get(id)?.decision, first.get(id)?.decision);
    }
  });
});
