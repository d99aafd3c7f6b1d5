/**
 * Loads what the TypeScript METEOR needs from pycocoevalcap's copy of METEOR 1.5: word lists from the
 * jar, the paraphrase table from data/paraphrase-en.gz through a cached index (built on first use, about
 * half a minute, into .fusecap/cache/meteor/ or FUSECAP_METEOR_CACHE).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../../../lib/paths.ts';
import { meteorJar } from '../toolkit-paths.ts';
import { readJarEntries } from './jar-resources.ts';
import { parseNonBreakingPrefixes } from './normalize.ts';
import { buildParaphraseIndex, loadParaphrasePairs, paraphraseIndexIsCurrent } from './paraphrase-table.ts';
import type { MeteorResources } from './scorer.ts';
import { SynonymDictionary } from './synonyms.ts';

export interface MeteorDataPaths {
  jar: string;
  paraphrases: string;
  index: string;
}

export function meteorDataPaths(jar = meteorJar()): MeteorDataPaths {
  const paraphrases = join(dirname(jar), 'data', 'paraphrase-en.gz');
  const cacheDir = process.env.FUSECAP_METEOR_CACHE ?? join(REPO_ROOT, '.fusecap', 'cache', 'meteor');
  return { jar, paraphrases, index: join(cacheDir, 'paraphrase-en.index') };
}

/** Builds the paraphrase index unless a current one exists; returns the build time (0 when cached). */
export function ensureParaphraseIndex(paths: MeteorDataPaths = meteorDataPaths()): number {
  if (!existsSync(paths.paraphrases)) {
    throw new Error(`METEOR paraphrase table not found at ${paths.paraphrases} (it ships in the pycocoevalcap package)`);
  }
  if (paraphraseIndexIsCurrent(paths.index, paths.paraphrases)) return 0;
  return buildParaphraseIndex(paths.paraphrases, paths.index).ms;
}

let cached: { key: string; resources: MeteorResources } | undefined;

/** The jar's word lists and the paraphrase index, loaded once per process. */
export function loadMeteorResources(paths: MeteorDataPaths = meteorDataPaths()): MeteorResources {
  const key = `${paths.jar}\n${paths.index}`;
  if (cached?.key === key) return cached.resources;
  if (!existsSync(paths.jar)) throw new Error(`METEOR jar not found at ${paths.jar} (it ships in the pycocoevalcap package)`);
  ensureParaphraseIndex(paths);
  const files = readJarEntries(paths.jar, [
    'function/english.words',
    'nonbreaking/english.prefixes',
    'synonym/english.synsets',
    'synonym/english.exceptions',
  ]);
  const text = (name: string): string => files.get(name)!.toString('utf8');
  const resources: MeteorResources = {
    functionWords: new Set(text('function/english.words').split(/\r?\n/)),
    prefixes: parseNonBreakingPrefixes(text('nonbreaking/english.prefixes')),
    synonyms: new SynonymDictionary(text('synonym/english.synsets'), text('synonym/english.exceptions')),
    paraphrasesFor: (vocabulary) => loadParaphrasePairs(paths.index, paths.paraphrases, vocabulary),
  };
  cached = { key, resources };
  return resources;
}
