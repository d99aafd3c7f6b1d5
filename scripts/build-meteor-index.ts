/**
 * Builds the TypeScript METEOR's paraphrase index from pycocoevalcap's data/paraphrase-en.gz (once per
 * machine; scripts/setup.sh runs it). Prints "cached …" when a current index already exists.
 *
 * Usage: node --import tsx scripts/build-meteor-index.ts
 */
import { ensureParaphraseIndex, meteorDataPaths } from '../metrics/coco/meteor/resources.ts';

const paths = meteorDataPaths();
const ms = ensureParaphraseIndex(paths);
console.log(
  ms === 0 ? `cached METEOR paraphrase index ${paths.index}` : `built METEOR paraphrase index ${paths.index} in ${(ms / 1000).toFixed(1)}s`,
);
