// Finds the Temporal CLI (which embeds the dev server, SQLite persistence and the Web UI) or builds it.
// There is no download site reachable from our machines, but the Go module proxy is, so the CLI is
// built from source with `go install`. v1.5.1 is pinned: later tags carry a `replace` directive in
// go.mod, and `go install pkg@version` refuses modules with one.
import { mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from '../lib/paths.ts';
import { isExecutable, runCommand, whichOnPath } from './util.ts';

export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export interface FindTemporalCliOptions {
  /** Build (or download) when no CLI is found. Default true. */
  build?: boolean;
  /** Where a build goes (GOBIN) and where the fallback download lands; default `<root>/.fusecap/bin`. */
  binDir?: string;
  /** Progress lines (building takes minutes); default stderr. */
  log?: (line: string) => void;
}

export interface TemporalCliInfo {
  path: string;
  /** e.g. `temporal version 0.0.0-DEV (Server 1.29.1, UI 2.42.1)` */
  version: string;
}

const defaultLog = (line: string): void => {
  process.stderr.write(`[temporal-cli] ${line}\n`);
};

/** Runs `temporal --version`; undefined when the file is not a working Temporal CLI. */
export async function temporalCliVersion(cli: string): Promise<string | undefined> {
  if (!(await isExecutable(cli))) return undefined;
  try {
    const r = await runCommand(cli, ['--version'], { timeoutMs: 30_000 });
    const out = r.stdout.trim();
    return r.code === 0 && /^temporal version /.test(out) ? out : undefined;
  } catch {
    return undefined;
  }
}

/** The `go` binary: PATH first, then the usual tarball location. */
export async function findGo(): Promise<string | undefined> {
  return (await whichOnPath('go')) ?? ((await isExecutable('/usr/local/go/bin/go')) ? '/usr/local/go/bin/go' : undefined);
}

async function goBinDir(go: string): Promise<string | undefined> {
  const r = await runCommand(go, ['env', 'GOBIN', 'GOPATH'], { timeoutMs: 30_000 }).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const [gobin, gopath] = r.stdout.split('\n').map((s) => s.trim());
  if (gobin) return gobin;
  // GOPATH may be a list; `go install` writes to the first entry's bin.
  const first = gopath?.split(path.delimiter)[0];
  return first ? path.join(first, 'bin') : undefined;
}

/** Every place we look, in order, without building anything. */
export async function temporalCliCandidates(binDir = path.join(REPO_ROOT, '.fusecap', 'bin')): Promise<string[]> {
  const out: string[] = [];
  if (process.env.TEMPORAL_CLI) out.push(path.resolve(process.env.TEMPORAL_CLI));
  const onPath = await whichOnPath('temporal');
  if (onPath) out.push(onPath);
  const go = await findGo();
  const goBin = go ? await goBinDir(go) : undefined;
  if (goBin) out.push(path.join(goBin, 'temporal'));
  else if (process.env.HOME) out.push(path.join(process.env.HOME, 'go', 'bin', 'temporal'));
  out.push(path.join(binDir, 'temporal'));
  return [...new Set(out)];
}

/**
 * Path of a working Temporal CLI: `$TEMPORAL_CLI`, PATH, `$(go env GOPATH)/bin`, `.fusecap/bin`; else
 * builds it with `go install` into `.fusecap/bin`; without Go, falls back to @temporalio/testing's own
 * download (needs internet).
 */
export async function findOrBuildTemporalCli(opts: FindTemporalCliOptions = {}): Promise<string> {
  return (await findOrBuildTemporalCliInfo(opts)).path;
}

export async function findOrBuildTemporalCliInfo(opts: FindTemporalCliOptions = {}): Promise<TemporalCliInfo> {
  const binDir = opts.binDir ?? path.join(REPO_ROOT, '.fusecap', 'bin');
  const log = opts.log ?? defaultLog;
  const tried: string[] = [];
  for (const candidate of await temporalCliCandidates(binDir)) {
    const version = await temporalCliVersion(candidate);
    if (version) return { path: candidate, version };
    tried.push(candidate);
    if (candidate === process.env.TEMPORAL_CLI) {
      // An explicit setting that does not work is a mistake worth saying out loud, not skipping.
      log(`TEMPORAL_CLI=${candidate} is not a working Temporal CLI; looking elsewhere`);
    }
  }
  if (opts.build === false) {
    throw new Error(`Temporal CLI not found (looked at: ${tried.join(', ')}) and building is disabled`);
  }

  const go = await findGo();
  if (go) return buildWithGo(go, binDir, log);
  log("Go is not installed: falling back to @temporalio/testing's CLI download (needs internet access)");
  return downloadWithTestingPackage(binDir, log, tried);
}

async function buildWithGo(go: string, binDir: string, log: (line: string) => void): Promise<TemporalCliInfo> {
  await mkdir(binDir, { recursive: true });
  const target = `${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}`;
  log(`building the Temporal CLI: go install ${target} (GOBIN=${binDir}); this takes minutes the first time`);
  const started = Date.now();
  const r = await runCommand(go, ['install', target], {
    env: { ...process.env, GOBIN: binDir },
    echo: true,
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const cli = path.join(binDir, 'temporal');
  if (r.code !== 0) {
    throw new Error(
      `go install ${target} failed after ${seconds}s (exit ${r.code}). Go fetches modules from the Go module ` +
        `proxy (GOPROXY=${process.env.GOPROXY ?? 'default'}); without Go, @temporalio/testing's download is the ` +
        `fallback and needs internet. Output tail:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`,
    );
  }
  const version = await temporalCliVersion(cli);
  if (!version) throw new Error(`go install ${target} succeeded but ${cli} --version does not work`);
  log(`built ${cli} in ${seconds}s: ${version}`);
  return { path: cli, version };
}

/**
 * Without Go: let @temporalio/testing download its default CLI into `binDir/download`, then keep the
 * binary. The SDK downloads from temporal.download, which our offline machines cannot reach; the error
 * says so rather than pretending.
 */
export async function downloadWithTestingPackage(binDir: string, log: (line: string) => void, tried: string[]): Promise<TemporalCliInfo> {
  const downloadDir = path.join(binDir, 'download');
  await mkdir(downloadDir, { recursive: true });
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  try {
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir } },
    });
    await env.teardown();
  } catch (err) {
    throw new Error(
      `Temporal CLI not found (looked at: ${tried.join(', ')}), Go is not installed to build it ` +
        `(go install ${TEMPORAL_CLI_MODULE}@${TEMPORAL_CLI_VERSION}), and @temporalio/testing's download ` +
        `failed (it needs internet access): ${(err as Error).message}`,
      { cause: err },
    );
  }
  // The SDK names the file after the version it fetched; take the newest executable.
  const files = await readdir(downloadDir);
  let best: { file: string; mtime: number } | undefined;
  for (const f of files) {
    const full = path.join(downloadDir, f);
    if (!(await isExecutable(full))) continue;
    const mtime = (await stat(full)).mtimeMs;
    if (!best || mtime > best.mtime) best = { file: full, mtime };
  }
  const version = best ? await temporalCliVersion(best.file) : undefined;
  if (!best || !version) throw new Error(`@temporalio/testing downloaded nothing usable into ${downloadDir}`);
  log(`using the CLI @temporalio/testing downloaded: ${best.file} (${version})`);
  return { path: best.file, version };
}
