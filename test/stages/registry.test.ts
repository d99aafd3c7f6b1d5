/**
 * The stage contract holds in one place: every stage declared in stages/registry.ts has a loadable
 * implementation with the same name, a config section the config schema knows, and an output schema; no
 * stage module exists without a registry entry; the config accepts exactly the registry's stage names.
 * And the idempotency keys of existing results stay what they were: a changed key silently re-enriches
 * every dataset, so test/fixtures/stage-keys/sample-keys.json pins them (update it only on purpose, when a
 * model or its post-processing changes).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { configSchema } from '../../config/schema.ts';
import { REPO_ROOT } from '../../lib/paths.ts';
import { stageImplementation } from '../../stages/implementations.ts';
import { stageKeyOf } from '../../stages/keys.ts';
import { planStageLevels, STAGE_NAMES, STAGE_SPECS, stageSpec } from '../../stages/registry.ts';

/** Modules of stages/ that are machinery, not a stage. */
const MACHINERY = new Set(['registry.ts', 'implementations.ts', 'types.ts', 'keys.ts', 'upstream.ts']);

describe('stage registry', () => {
  test('every entry loads an implementation of the same name, with a known config section', async () => {
    const sections = Object.keys(configSchema.shape);
    for (const name of STAGE_NAMES) {
      const spec = stageSpec(name);
      const impl = await stageImplementation(name);
      assert.equal(impl.name, name);
      if (spec.configSection) assert.ok(sections.includes(spec.configSection), `${name}: config has no section ${spec.configSection}`);
      for (const dep of [...spec.dependsOn, ...(spec.uses ?? [])]) assert.ok(dep in STAGE_SPECS, `${name} depends on unknown ${dep}`);
    }
  });

  test('every stage module in stages/ is registered', () => {
    const registered = new Set(Object.values(STAGE_SPECS).map((s) => s.implementation.module.replace('./', '')));
    const modules = readdirSync(join(REPO_ROOT, 'stages')).filter((f) => f.endsWith('.ts') && !MACHINERY.has(f));
    for (const m of modules) assert.ok(registered.has(m), `stages/${m} is not in stages/registry.ts`);
  });

  test('the config accepts exactly the registered stage names, and says which ones exist', () => {
    assert.deepEqual(configSchema.parse({ pipeline: { stages: [...STAGE_NAMES] } }).pipeline.stages, [...STAGE_NAMES]);
    const bad = configSchema.safeParse({ pipeline: { stages: ['probe', 'tagger'] } });
    assert.equal(bad.success, false);
    assert.match(JSON.stringify(bad.error?.issues), /probe/);
    assert.throws(() => stageSpec('tagger'), /unknown stage "tagger"; known stages: probe, detect/);
  });

  test('levels follow dependencies', () => {
    assert.deepEqual(planStageLevels(['ocr']), [['probe'], ['ocr']]);
    // fuse uses the vision stages' outputs when present, so asking for fuse plans them first.
    assert.deepEqual(planStageLevels(['fuse']), [['probe'], ['detect', 'ocr'], ['attributes'], ['fuse']]);
    assert.deepEqual(planStageLevels(['probe', 'detect', 'attributes', 'ocr', 'fuse']), [
      ['probe'],
      ['detect', 'ocr'],
      ['attributes'],
      ['fuse'],
    ]);
  });

  test('stage keys of existing results are unchanged (default and a variant config)', async () => {
    const pinned = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/stage-keys/sample-keys.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const configs: Record<string, unknown> = {
      default: {},
      variant: {
        detect: { backend: 'nanodet', minScore: 0.4 },
        attributes: { faces: false },
        ocr: { backend: 'tesseract' },
        fuse: { ablation: { ocr: false } },
      },
    };
    const actual: Record<string, unknown> = {};
    for (const [label, raw] of Object.entries(configs)) {
      const config = configSchema.parse(raw);
      for (const stage of ['probe', 'detect', 'attributes', 'ocr', 'fuse']) {
        const { modelId, modelVersion, paramsHash } = stageKeyOf(await stageImplementation(stage), config);
        actual[`${label}/${stage}`] = { modelId, modelVersion, paramsHash };
      }
    }
    // detect.runtime "tfjs" keeps the keys detect results had before the onnx runtime became the default.
    for (const [label, raw] of Object.entries({
      tfjs: { detect: { runtime: 'tfjs' } },
      'variant-tfjs': { detect: { backend: 'nanodet', minScore: 0.4, runtime: 'tfjs' } },
    })) {
      const { modelId, modelVersion, paramsHash } = stageKeyOf(await stageImplementation('detect'), configSchema.parse(raw));
      actual[`${label}/detect`] = { modelId, modelVersion, paramsHash };
    }
    // attributes.maskScope "box" keeps the keys attributes results had before the photo-wide mask became
    // the default (the default's own key changed with it: its colours can differ).
    for (const [label, raw] of Object.entries({
      box: { attributes: { maskScope: 'box' } },
      'variant-box': { attributes: { faces: false, maskScope: 'box' } },
    })) {
      const { modelId, modelVersion, paramsHash } = stageKeyOf(await stageImplementation('attributes'), configSchema.parse(raw));
      actual[`${label}/attributes`] = { modelId, modelVersion, paramsHash };
    }
    // ocr.model "pp-ocrv4-mobile" keeps the keys OCR results had before PP-OCRv6 became the default.
    actual['v4/ocr'] = (({ modelId, modelVersion, paramsHash }) => ({ modelId, modelVersion, paramsHash }))(
      stageKeyOf(await stageImplementation('ocr'), configSchema.parse({ ocr: { model: 'pp-ocrv4-mobile' } })),
    );
    assert.deepEqual(actual, pinned);
  });
});
