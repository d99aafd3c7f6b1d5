/**
 * Loads test/fixtures/expert-outputs/*.json: per sample image, its original captions and what the
 * detect / attributes / ocr experts returned for it ({file, captions, detect, attributes, ocr}).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AttributesOutput, DetectOutput, OcrOutput } from '../../../experts/types.ts';

export interface ExpertFixture {
  name: string;
  file: string;
  captions: string[];
  detect: DetectOutput;
  attributes: AttributesOutput;
  ocr: OcrOutput;
}

export const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'expert-outputs');

export function loadFixtures(): ExpertFixture[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.json') && !f.startsWith('golden'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...JSON.parse(readFileSync(join(FIXTURE_DIR, f), 'utf8')) }));
}

export function loadFixture(name: string): ExpertFixture {
  const found = loadFixtures().find((f) => f.name === name);
  if (!found) throw new Error(`no expert-output fixture named ${name} in ${FIXTURE_DIR}`);
  return found;
}
