// Starts / stops the services fusecap's tests (and a developer's shell) need, in one directory:
//
//   eval "$(node --import tsx scripts/services.ts start --dir .fusecap/test-services)"
//   node --import tsx scripts/services.ts stop --dir .fusecap/test-services
//
// `start` prints only `export NAME=value` lines on stdout (progress goes to stderr), so eval is safe.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ensurePostgres, removePostgresData, stopPostgres } from '../services/postgres.ts';
import { findOrBuildTemporalCliInfo } from '../services/temporal-cli.ts';
import { ensureTemporalServer, stopTemporalServer, temporalRecordFile } from '../services/temporal-server.ts';
import { isPidAlive, readJson } from '../services/util.ts';
import { rm } from 'node:fs/promises';

const USAGE = `usage: scripts/services.ts <command> [options]
commands:
  start    start (or reuse) PostgreSQL + Temporal in --dir; prints export lines for eval
  stop     stop the ones recorded in --dir (data is kept)
  status   print what runs in --dir
  cli      find or build the Temporal CLI; print its path
options:
  --dir D        service directory (default .fusecap/services)
  --fresh        start: delete the previous data in --dir first (only if nothing runs there)
  --headless     start: Temporal without the Web UI
  --temporal-port N, --postgres-port N   preferred ports for newly started servers
  --only temporal|postgres               start/stop just one of them`;

const log = (line: string): void => {
  process.stderr.write(`[services] ${line}\n`);
};

/** Single-quoted for bash, so eval never expands anything in a value. */
const shq = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      dir: { type: 'string', default: '.fusecap/services' },
      fresh: { type: 'boolean', default: false },
      headless: { type: 'boolean', default: false },
      'temporal-port': { type: 'string' },
      'postgres-port': { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || !command) {
    process.stderr.write(USAGE + '\n');
    return command || values.help ? 0 : 2;
  }
  const only = values.only;
  if (only !== undefined && only !== 'temporal' && only !== 'postgres') {
    log(`--only must be one of: temporal, postgres (got ${JSON.stringify(only)})`);
    return 2;
  }
  const wantTemporal = only !== 'postgres';
  const wantPostgres = only !== 'temporal';
  const dir = path.resolve(values.dir);
  const portOf = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));

  switch (command) {
    case 'cli': {
      const info = await findOrBuildTemporalCliInfo();
      process.stdout.write(`${info.path}\n`);
      log(info.version);
      return 0;
    }
    case 'start': {
      if (values.fresh) {
        // Stop whatever a previous, interrupted run left, then wipe: tests start from empty state.
        if (wantTemporal) {
          await stopTemporalServer(dir);
          await rm(path.join(dir, 'temporal.db'), { force: true });
          for (const suffix of ['-wal', '-shm']) await rm(path.join(dir, `temporal.db${suffix}`), { force: true });
        }
        if (wantPostgres) {
          await stopPostgres(dir);
          await removePostgresData(dir);
        }
      }
      const lines: string[] = [];
      // One after the other: on 2 cores, starting both at once only slows each down.
      if (wantPostgres) {
        const t0 = Date.now();
        const pgs = await ensurePostgres(dir, { port: portOf(values['postgres-port']) });
        log(`postgres ${pgs.source}: ${pgs.url} (${Date.now() - t0} ms)`);
        lines.push(`export DATABASE_URL=${shq(pgs.url)}`);
      }
      if (wantTemporal) {
        const t0 = Date.now();
        const cli = process.env.TEMPORAL_ADDRESS ? undefined : await findOrBuildTemporalCliInfo();
        const tmp = await ensureTemporalServer(dir, {
          port: portOf(values['temporal-port']),
          headless: values.headless,
          cli: cli?.path,
        });
        log(`temporal ${tmp.source}: ${tmp.address}${tmp.uiUrl ? ` (UI ${tmp.uiUrl})` : ''} (${Date.now() - t0} ms)`);
        lines.push(`export TEMPORAL_ADDRESS=${shq(tmp.address)}`);
        lines.push(`export TEMPORAL_NAMESPACE=${shq(tmp.namespace)}`);
        if (cli) lines.push(`export TEMPORAL_CLI=${shq(cli.path)}`);
        if (tmp.uiUrl) lines.push(`export TEMPORAL_UI_URL=${shq(tmp.uiUrl)}`);
      }
      process.stdout.write(lines.join('\n') + '\n');
      return 0;
    }
    case 'stop': {
      if (wantTemporal) log(`temporal: ${(await stopTemporalServer(dir)) ? 'stopped' : 'was not running'}`);
      if (wantPostgres) log(`postgres: ${(await stopPostgres(dir)) ? 'stopped' : 'was not running'}`);
      return 0;
    }
    case 'status': {
      const rec = await readJson<{ pid: number }>(temporalRecordFile(dir));
      const pgs = await readJson<{ pid: number }>(path.join(dir, 'postgres.json'));
      const withAlive = <T extends { pid: number }>(r: T | undefined) => (r ? { ...r, alive: isPidAlive(r.pid) } : null);
      process.stdout.write(JSON.stringify({ dir, temporal: withAlive(rec), postgres: withAlive(pgs) }, null, 2) + '\n');
      return 0;
    }
    default:
      log(`unknown command ${JSON.stringify(command)}; allowed: start, stop, status, cli`);
      process.stderr.write(USAGE + '\n');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    log(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
