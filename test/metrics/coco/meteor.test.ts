/**
 * The TypeScript METEOR against pycocoevalcap's meteor-1.5.jar, piece by piece and whole, in the same run:
 * - the Snowball English stemmer, word for word, over every WordNet word the jar ships;
 * - the -norm normaliser, line for line, over the evaluation fixture raw and PTB-tokenized plus edge cases;
 * - per-segment statistics (the jar's SCORE answer, compared as text) and scores (its EVAL answer) on the
 *   600-image fixture and on a generated set built to fire every module: stems, WordNet synonyms and
 *   irregular forms, paraphrase-table phrase pairs, identical sentences, empty and very long hypotheses;
 * - the paraphrase index: filtering keeps table order, a changed table makes the index stale.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { stemEnglish } from '../../../metrics/coco/meteor/english-stemmer.ts';
import { readJarEntries } from '../../../metrics/coco/meteor/jar-resources.ts';
import { normalizeEnglish, parseNonBreakingPrefixes } from '../../../metrics/coco/meteor/normalize.ts';
import { buildParaphraseIndex, loadParaphrasePairs, paraphraseIndexIsCurrent } from '../../../metrics/coco/meteor/paraphrase-table.ts';
import { loadMeteorResources, meteorDataPaths } from '../../../metrics/coco/meteor/resources.ts';
import { formatStats, scoreLine, scoreLineFields, scoreMeteor, type MeteorStats } from '../../../metrics/coco/meteor/scorer.ts';
import { REPO_ROOT } from '../../../lib/paths.ts';
import { rng } from '../../../scripts/make-eval-fixture.ts';
import { tokenizeAll } from './helpers.ts';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/captions-eval/coco-eval.json');
const JAR = meteorDataPaths().jar;

/** Compiles test/metrics/coco/java/MeteorProbe.java against the jar (once per run). */
let probeDir: string | undefined;
function runProbe(mode: 'stem' | 'norm', lines: readonly string[]): string[] {
  if (!probeDir) {
    probeDir = mkdtempSync(join(tmpdir(), 'meteor-probe-'));
    const javac = spawnSync('javac', ['-cp', JAR, '-d', probeDir, join(REPO_ROOT, 'test/metrics/coco/java/MeteorProbe.java')], {
      encoding: 'utf8',
    });
    assert.equal(javac.status, 0, `javac failed: ${javac.stderr}`);
  }
  const out = spawnSync('java', ['-cp', `${JAR}:${probeDir}`, 'MeteorProbe', mode], {
    input: lines.join('\n') + '\n',
    maxBuffer: 1 << 30,
  });
  assert.equal(out.status, 0, out.stderr.toString());
  return out.stdout.toString('utf8').split('\n').slice(0, lines.length);
}

/** The jar's SCORE answers for pycocoevalcap-style lines, then its EVAL answer for those statistics. */
function runJar(
  candidates: readonly string[],
  references: readonly (readonly string[])[],
): { stats: string[]; scores: number[]; corpus: number } {
  const lines = candidates.map((c, i) => scoreLine(c, references[i]));
  const opts = { cwd: dirname(JAR), maxBuffer: 1 << 30 };
  const args = ['-jar', '-Xmx2G', JAR, '-', '-', '-stdio', '-l', 'en', '-norm'];
  const scored = spawnSync('java', args, { ...opts, input: lines.join('\n') + '\n' });
  assert.equal(scored.status, 0, scored.stderr.toString());
  const stats = scored.stdout
    .toString('utf8')
    .split('\n')
    .slice(0, candidates.length)
    .map((s) => s.trim());
  const evaluated = spawnSync('java', args, { ...opts, input: `EVAL ||| ${stats.join(' ||| ')}\n` });
  assert.equal(evaluated.status, 0, evaluated.stderr.toString());
  const values = evaluated.stdout.toString('utf8').trim().split('\n').map(Number);
  return { stats, scores: values.slice(0, candidates.length), corpus: values[candidates.length] };
}

function assertSameAsJar(candidates: string[], references: string[][], label: string): MeteorStats[] {
  const ours = scoreMeteor(candidates, references, loadMeteorResources());
  const jar = runJar(candidates, references);
  const differing = ours.stats.map((s, i) => (formatStats(s) === jar.stats[i] ? -1 : i)).filter((i) => i >= 0);
  assert.equal(
    differing.length,
    0,
    `${label}: ${differing.length} segments differ, first #${differing[0]}: ` +
      `hyp ${JSON.stringify(candidates[differing[0]])} refs ${JSON.stringify(references[differing[0]])}\n` +
      ` ours ${formatStats(ours.stats[differing[0]] ?? ours.stats[0])}\n jar  ${jar.stats[differing[0]]}`,
  );
  let worst = 0;
  for (let i = 0; i < candidates.length; i++) worst = Math.max(worst, Math.abs(ours.perImage[i] - jar.scores[i]));
  assert.ok(worst <= 1e-12, `${label}: per-image scores differ by up to ${worst}`);
  assert.ok(Math.abs(ours.corpus - jar.corpus) <= 1e-12, `${label}: corpus ${ours.corpus} vs jar ${jar.corpus}`);
  return ours.stats;
}

test('the Snowball English stemmer stems every WordNet word exactly as the jar does', { timeout: 120_000 }, () => {
  const files = readJarEntries(JAR, ['synonym/english.synsets', 'synonym/english.exceptions']);
  const words = new Set<string>();
  const synsets = files.get('synonym/english.synsets')!.toString('utf8').split('\n');
  for (let i = 0; i < synsets.length; i += 2) if (synsets[i]) words.add(synsets[i]);
  for (const line of files.get('synonym/english.exceptions')!.toString('utf8').split('\n'))
    for (const w of line.split(' ')) if (w) words.add(w);
  for (const w of ['constructor', 'toString', '__proto__', "dog's", "'tis", 'yelling', 'skies', 'generously', 'communism', 'arsenal'])
    words.add(w);
  const list = [...words];
  assert.ok(list.length > 150_000, `only ${list.length} words`);
  const jar = runProbe('stem', list);
  const wrong = list.filter((w, i) => stemEnglish(w) !== jar[i]);
  assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${list.length} words stem differently`);
});

test('the -norm normaliser gives the jar’s text for raw and tokenized captions and edge cases', { timeout: 120_000 }, () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { references: Record<string, string[]>; candidates: Record<string, string> };
  const ids = Object.keys(fixture.candidates);
  const raw = [...Object.values(fixture.candidates), ...Object.values(fixture.references).flat()];
  const tok = tokenizeAll(fixture, ids);
  const edge = [
    "e.g. U.S. Mr. Smith... paid $1,000.50 -- no'way 'quoted' \u2018x\u2019 \u201cy\u201d a\u2013b 90's dogs' rock'n'roll end.",
    'Dr. 5 No. 7 art. 12 fig. a',
    'x....y .. z... . ...',
    '\u{1F600}emoji\u{1F600} and \u4e2d\u6587 ok\u00a0nbsp\u2003em',
    "it's ' don't '' ``quote''",
    '',
    '   ',
  ];
  const lines = [...raw, ...tok.candidates, ...tok.references.flat(), ...edge].map((l) => l.replace(/[\r\n]/g, ' '));
  const prefixes = parseNonBreakingPrefixes(
    readJarEntries(JAR, ['nonbreaking/english.prefixes']).get('nonbreaking/english.prefixes')!.toString('utf8'),
  );
  const jar = runProbe('norm', lines);
  const wrong = lines.map((l, i) => (normalizeEnglish(l, prefixes) === jar[i] ? -1 : i)).filter((i) => i >= 0);
  assert.equal(wrong.length, 0, `${wrong.length} lines differ, first ${JSON.stringify(lines[wrong[0]])}`);
});

test('METEOR statistics and scores equal the jar on the 600-image fixture', { timeout: 180_000 }, () => {
  const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { references: Record<string, string[]>; candidates: Record<string, string> };
  const ids = Object.keys(fixture.candidates);
  assert.ok(ids.length >= 500);
  const tok = tokenizeAll(fixture, ids);
  assertSameAsJar(tok.candidates, tok.references, 'fixture');
});

// Caption words with their inflections, irregular forms and WordNet synonyms side by side.
const WORDS = (
  'man men woman women person people persons child children kid kids boy boys girl girls guy lady baby ' +
  'run runs running ran sit sits sitting sat stand stands standing stood eat eats eating ate eaten hold holds holding held ' +
  'ride rides riding rode look looks looking looked walk walks walking walked fly flies flying flew play plays playing played ' +
  'large big huge small little tiny picture pictures photo photograph image street streets road roads car cars automobile ' +
  'vehicle truck dog dogs puppy cat cats kitten bike bicycle bicycles motorcycle motorbike table desk couch sofa group crowd ' +
  'plate dish food meal field grass lawn ocean sea water beach shore building buildings house home train bus buses ' +
  'white black red green blue brown young old happy sad top front side next near beside inside outside ' +
  'a an the of on in with and is are to at by for from two three several some many its their his her it this that'
).split(' ');

function stressSet(seed: number, count: number): { candidates: string[]; references: string[][] } {
  const r = rng(seed);
  const vocab = new Set(WORDS);
  const paths = meteorDataPaths();
  const pairs = loadParaphrasePairs(paths.index, paths.paraphrases, vocab).filter((p) => p.source.join(' ') !== p.target.join(' '));
  assert.ok(pairs.length > 1000, `only ${pairs.length} paraphrase pairs over the stress vocabulary`);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const words = (n: number): string[] => Array.from({ length: n }, () => pick(WORDS));
  const withPhrase = (base: string[], phrase: string[]): string[] => {
    const at = Math.floor(r() * (base.length + 1));
    return [...base.slice(0, at), ...phrase, ...base.slice(at)];
  };
  const candidates: string[] = [];
  const references: string[][] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 10;
    let hyp = words(3 + Math.floor(r() * 12));
    const refs = Array.from({ length: 5 }, () => words(3 + Math.floor(r() * 12)));
    if (kind <= 4) {
      // Paraphrase pairs planted across hypothesis and references, both directions.
      for (let k = 0; k < 1 + Math.floor(r() * 3); k++) {
        const p = pick(pairs);
        const [a, b] = r() < 0.5 ? [p.source, p.target] : [p.target, p.source];
        hyp = withPhrase(hyp, a);
        const j = Math.floor(r() * refs.length);
        refs[j] = withPhrase(refs[j], b);
      }
    } else if (kind === 5) {
      refs[0] = hyp.slice(); // identical sentences: exact module only
    } else if (kind === 6) {
      hyp = words(40 + Math.floor(r() * 30)); // long enough for the beam to prune
      refs[1] = words(50);
    } else if (kind === 7) {
      hyp = [...hyp, ...hyp, ...hyp]; // repeated words: many equal-scoring paths
    } else if (kind === 8 && i % 20 === 8) {
      hyp = []; // empty hypothesis
    }
    candidates.push(hyp.join(' '));
    references.push(refs.map((x) => x.join(' ')));
  }
  references[3] = ['a man ||| with a dog', 'the dog'];
  return { candidates, references };
}

test('METEOR equals the jar on sentences built to fire the stem, synonym and paraphrase modules', { timeout: 180_000 }, () => {
  const { candidates, references } = stressSet(20261126, 1500);
  const stats = assertSameAsJar(candidates, references, 'module stress set');
  // Each module must have contributed, or the parity above would not cover it.
  const byModule = [0, 1, 2, 3].map((m) => stats.reduce((sum, s) => sum + s.testContent[m] + s.testFunction[m], 0));
  console.log(`words matched by module (exact, stem, synonym, paraphrase): ${byModule.join(', ')}`);
  for (const [m, name] of ['exact', 'stem', 'synonym', 'paraphrase'].entries())
    assert.ok(byModule[m] >= 50, `${name} matched only ${byModule[m]} words`);
});

test('SCORE-line fields follow pycocoevalcap and Java: "|||" in a reference splits it, the hypothesis loses it', () => {
  assert.deepEqual(scoreLineFields('a ||| b', ['x y', 'p ||| q']), { hypothesis: 'a b', references: ['x y', 'p', 'q'] });
  assert.deepEqual(scoreLineFields('', ['x']), { hypothesis: '', references: ['x'] });
});

test('the paraphrase index keeps table order when filtering and goes stale when the table changes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'meteor-index-'));
  try {
    const gz = join(dir, 'paraphrase-en.gz');
    const index = join(dir, 'paraphrase-en.index');
    const table = [
      ['0.5', 'a big dog', 'a large dog'],
      ['0.1', 'zebra crossing', 'crosswalk'],
      ['0.2', 'big', 'large'],
      ['0.3', 'dog', 'puppy'],
      ['0.4', 'large', 'big'],
    ];
    writeFileSync(gz, gzipSync(table.map((t) => t.join('\n')).join('\n') + '\n'));
    assert.throws(() => loadParaphrasePairs(index, gz, new Set(['big'])), /missing or older/);
    const built = buildParaphraseIndex(gz, index);
    assert.equal(built.pairs, 5);
    assert.ok(paraphraseIndexIsCurrent(index, gz));
    const pairs = loadParaphrasePairs(index, gz, new Set(['a', 'big', 'large', 'dog']));
    assert.deepEqual(
      pairs.map((p) => [p.index, p.source.join(' '), p.target.join(' ')]),
      [
        [0, 'a big dog', 'a large dog'],
        [2, 'big', 'large'],
        [4, 'large', 'big'],
      ],
    );
    utimesSync(gz, new Date(), new Date(Date.now() + 5000));
    assert.equal(paraphraseIndexIsCurrent(index, gz), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
