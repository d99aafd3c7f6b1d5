/**
 * Where the Java parts of the COCO caption toolkit live. METEOR 1.5 (with its word lists and paraphrase
 * table) and the Stanford PTB tokenizer ship inside the pycocoevalcap Python package; the TypeScript
 * METEOR reads its tables from there, and the parity tests run the jars themselves. Override with
 * FUSECAP_PYCOCOEVALCAP_DIR (the package folder).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../lib/paths.ts';

export function pycocoevalcapDir(): string {
  const fromEnv = process.env.FUSECAP_PYCOCOEVALCAP_DIR;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`FUSECAP_PYCOCOEVALCAP_DIR=${fromEnv} does not exist`);
    return fromEnv;
  }
  const lib = join(REPO_ROOT, '.venv', 'lib');
  const candidates = existsSync(lib)
    ? readdirSync(lib)
        .filter((d) => d.startsWith('python'))
        .map((d) => join(lib, d, 'site-packages', 'pycocoevalcap'))
        .filter((d) => existsSync(d))
    : [];
  if (candidates.length === 0) {
    throw new Error(
      `pycocoevalcap not found under ${lib}/python*/site-packages; install it in the project's .venv ` +
        'or set FUSECAP_PYCOCOEVALCAP_DIR to the package folder',
    );
  }
  return candidates[0];
}

export function meteorJar(): string {
  return join(pycocoevalcapDir(), 'meteor', 'meteor-1.5.jar');
}

export function ptbTokenizerJar(): string {
  return join(pycocoevalcapDir(), 'tokenizer', 'stanford-corenlp-3.4.1.jar');
}

export function venvPython(): string {
  return process.env.FUSECAP_PYTHON ?? join(REPO_ROOT, '.venv', 'bin', 'python');
}
