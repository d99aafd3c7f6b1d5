/**
 * METEOR 1.5 through the toolkit's own jar, the way pycocoevalcap's meteor.py drives it: one
 * `java -jar meteor-1.5.jar - - -stdio -l en -norm` process, a "SCORE ||| ref… ||| hyp" line per image
 * answered by a statistics line, then one "EVAL ||| stats…" line answered by each image's score and the
 * corpus score. This is the "jar" METEOR backend; the default is the TypeScript implementation in
 * metrics/coco/meteor/, which the tests hold equal to this jar.
 *
 * Starting the jar costs ~5 s (it loads the paraphrase table), so a MeteorScorer stays up between
 * evaluations (pycocoevalcap keeps its Meteor object the same way); evaluate original, fused and
 * generated captions with one scorer and close it at the end.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { scoreLine } from './meteor/scorer.ts';
import { meteorJar } from '../../lib/toolkit-paths.ts';

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

export class MeteorScorer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly lines: Interface;
  private readonly queue: string[] = [];
  private waiting: { resolve: (line: string) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private stderr = '';
  private busy: Promise<unknown> = Promise.resolve();

  constructor(options: MeteorOptions = {}) {
    const jar = options.jar ?? meteorJar();
    this.child = spawn(options.java ?? 'java', ['-jar', `-Xmx${options.heap ?? '2G'}`, jar, '-', '-', '-stdio', '-l', 'en', '-norm'], {
      cwd: dirname(jar),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stderr.on('data', (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.child.on('error', (e) => this.fail(new Error(`METEOR: cannot start java (${e.message})`)));
    this.child.on('exit', (code) => this.fail(new Error(`METEOR jar exited with code ${code}: ${this.stderr.trim()}`)));
    this.child.stdin.on('error', (e) => this.fail(new Error(`METEOR jar input closed: ${e.message}`)));
    this.lines = createInterface({ input: this.child.stdout });
    this.lines.on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w.resolve(line.trim());
      } else {
        this.queue.push(line.trim());
      }
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(e);
    }
  }

  private nextLine(): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  /** Scores tokenized candidates against tokenized references (calls are serialised). */
  score(candidates: readonly string[], references: readonly (readonly string[])[]): Promise<MeteorResult> {
    const run = this.busy.then(() => this.scoreNow(candidates, references));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async scoreNow(candidates: readonly string[], references: readonly (readonly string[])[]): Promise<MeteorResult> {
    if (this.failure) throw this.failure;
    // The toolkit strips the field separator from the hypothesis only (meteor.py's _stat). The jar
    // answers lines in order, so all SCORE lines go out at once.
    const scoreLines = candidates.map((hyp, i) => scoreLine(hyp, references[i]));
    this.child.stdin.write(scoreLines.join('\n') + '\n');
    const stats: string[] = [];
    for (let i = 0; i < candidates.length; i++) stats.push(await this.nextLine());
    this.child.stdin.write(`EVAL ||| ${stats.join(' ||| ')}\n`);
    const perImage: number[] = [];
    for (let i = 0; i < candidates.length; i++) perImage.push(parseScore(await this.nextLine()));
    return { corpus: parseScore(await this.nextLine()), perImage };
  }

  async close(): Promise<void> {
    this.child.removeAllListeners('exit');
    this.failure ??= new Error('METEOR scorer closed');
    this.lines.close();
    this.child.stdin.end();
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill();
      await exited;
    }
  }
}

/** One-shot METEOR: starts the jar, scores, stops it. */
export async function meteor(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
  options: MeteorOptions = {},
): Promise<MeteorResult> {
  const scorer = new MeteorScorer(options);
  try {
    return await scorer.score(candidates, references);
  } finally {
    await scorer.close();
  }
}

function parseScore(line: string): number {
  const v = Number(line);
  if (line === '' || !Number.isFinite(v)) throw new Error(`METEOR jar answered "${line}" where a score was expected`);
  return v;
}
