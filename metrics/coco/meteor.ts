/**
 * METEOR 1.5 through the toolkit's own jar, the way pycocoevalcap's meteor.py drives it: one
 * `java -jar meteor-1.5.jar - - -stdio -l en -norm` process, a "SCORE ||| ref… ||| hyp" line per image
 * answered by a statistics line, then one "EVAL ||| stats…" line answered by each image's score and the
 * corpus score. METEOR's aligner (exact, stem, synonym and paraphrase modules over its own tables) is not
 * re-implemented in TypeScript; running the jar gives the toolkit's numbers exactly.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname } from 'node:path';
import { meteorJar } from './toolkit-paths.ts';

export interface MeteorResult {
  corpus: number;
  perImage: number[];
}

export interface MeteorOptions {
  jar?: string;
  java?: string;
  /** JVM heap; the toolkit uses 2G. */
  heap?: string;
}

export async function meteor(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  options: MeteorOptions = {},
): Promise<MeteorResult> {
  const jar = options.jar ?? meteorJar();
  const child = spawn(options.java ?? 'java', ['-jar', `-Xmx${options.heap ?? '2G'}`, jar, '-', '-', '-stdio', '-l', 'en', '-norm'], {
    cwd: dirname(jar),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.on('error', (e) => reject(new Error(`METEOR: cannot start java (${e.message})`)));
    child.on('exit', (code) => reject(new Error(`METEOR jar exited early with code ${code}: ${stderr.trim()}`)));
  });
  exited.catch(() => undefined); // observed through Promise.race below; never left unhandled
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string> => {
    const r = await Promise.race([lines.next(), exited]);
    if (r.done) throw new Error(`METEOR jar closed its output: ${stderr.trim()}`);
    return r.value.trim();
  };
  try {
    // Lines are written one batch at a time; the jar answers in order, so pipelining is safe.
    const scoreLines = candidates.map((hyp, i) => {
      // The toolkit strips the field separator from the hypothesis only (meteor.py's _stat).
      const h = hyp.replaceAll('|||', '').replaceAll('  ', ' ');
      return ['SCORE', references[i].join(' ||| '), h].join(' ||| ');
    });
    child.stdin.write(scoreLines.join('\n') + '\n');
    const stats: string[] = [];
    for (let i = 0; i < candidates.length; i++) stats.push(await nextLine());
    child.stdin.write(`EVAL ||| ${stats.join(' ||| ')}\n`);
    const perImage: number[] = [];
    for (let i = 0; i < candidates.length; i++) perImage.push(parseScore(await nextLine()));
    const corpus = parseScore(await nextLine());
    return { corpus, perImage };
  } finally {
    child.removeAllListeners('exit');
    child.stdin.end();
    child.kill();
  }
}

function parseScore(line: string): number {
  const v = Number(line);
  if (!Number.isFinite(v)) throw new Error(`METEOR jar answered "${line}" where a score was expected`);
  return v;
}
