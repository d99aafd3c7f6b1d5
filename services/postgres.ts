// Runs a private PostgreSQL cluster for fusecap from the distribution's server binaries (Debian's
// `postgresql` package: /usr/lib/postgresql/<major>/bin). It listens on 127.0.0.1 only, with trust
// auth, and no Unix socket (the default socket dir /var/run/postgresql may not exist or belong to us).
// PostgreSQL refuses to run as root, so as root every server binary runs as the `postgres` OS user via
// runuser, and the data dir and log file are handed to that user.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFile, chown, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import {
  fileExists,
  freePort,
  isExecutable,
  isPidAlive,
  isPortFree,
  logTail,
  readJson,
  runCommand,
  sleep,
  whichOnPath,
  withLockFile,
  writeJsonAtomic,
} from './util.ts';

export const FUSECAP_DATABASE = 'fusecap';
const HOST = '127.0.0.1';
const SERVER_USER = 'postgres';

export interface StartPostgresOptions {
  /** Cluster directory; initdb runs once when it holds no cluster yet. */
  dataDir: string;
  /** A free one when not given. */
  port?: number;
  /** Server log (pg_ctl -l), appended. */
  logFile: string;
  /** Keep running after this process exits (ensurePostgres); otherwise stopped at exit. */
  detached?: boolean;
  /** Directory of initdb / pg_ctl / postgres; found when not given. */
  binDir?: string;
}

export interface PostgresServer {
  /** Admin URL (user postgres) of the `fusecap` database. */
  url: string;
  port: number;
  dataDir: string;
  stop(): Promise<void>;
}

/** Directory holding initdb and pg_ctl: `$PG_BIN`, the newest /usr/lib/postgresql/N/bin, or PATH. */
export async function findPostgresBinDir(): Promise<string> {
  const candidates: string[] = [];
  if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
  try {
    const majors = (await readdir('/usr/lib/postgresql')).filter((d) => /^\d+$/.test(d));
    majors.sort((a, b) => Number(b) - Number(a));
    for (const m of majors) candidates.push(`/usr/lib/postgresql/${m}/bin`);
  } catch {
    // not a Debian-style install
  }
  const initdbOnPath = await whichOnPath('initdb');
  if (initdbOnPath) candidates.push(path.dirname(initdbOnPath));
  for (const dir of candidates) {
    if ((await isExecutable(path.join(dir, 'initdb'))) && (await isExecutable(path.join(dir, 'pg_ctl')))) return dir;
  }
  throw new Error(
    `PostgreSQL server binaries (initdb, pg_ctl) not found (looked in: ${candidates.join(', ') || 'PG_BIN, /usr/lib/postgresql/*/bin, PATH'}). ` +
      'Install them with `apt-get install -y postgresql` (scripts/setup.sh does) or set PG_BIN.',
  );
}

interface RunAs {
  uid: number;
  gid: number;
  /** Prefix that runs a command as the server user (empty when we are not root). */
  prefix: string[];
}

async function serverUser(): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const passwd = await readFile('/etc/passwd', 'utf8');
  const line = passwd.split('\n').find((l) => l.startsWith(`${SERVER_USER}:`));
  if (!line) {
    throw new Error(
      `running as root, and PostgreSQL refuses to run as root, but there is no '${SERVER_USER}' OS user to run it as ` +
        '(the Debian postgresql package creates it: apt-get install -y postgresql)',
    );
  }
  const [, , uid, gid] = line.split(':');
  const runuser = (await whichOnPath('runuser')) ?? '/usr/sbin/runuser';
  return { uid: Number(uid), gid: Number(gid), prefix: [runuser, '-u', SERVER_USER, '--'] };
}

async function pgRun(binDir: string, runAs: RunAs | undefined, tool: string, args: string[], timeoutMs = 120_000) {
  const cmd = [...(runAs?.prefix ?? []), path.join(binDir, tool), ...args];
  // cwd '/': the server user may not be allowed into our cwd, and pg tools chdir-check it.
  const r = await runCommand(cmd[0], cmd.slice(1), { cwd: '/', timeoutMs });
  return { ...r, command: cmd.join(' ') };
}

/** Hands `p` (creating it) to the server user when we are root. */
async function giveToServerUser(p: string, runAs: RunAs | undefined, kind: 'dir' | 'file'): Promise<void> {
  if (kind === 'dir') await mkdir(p, { recursive: true, mode: 0o700 });
  else {
    await mkdir(path.dirname(p), { recursive: true });
    await appendFile(p, '');
  }
  if (runAs) await chown(p, runAs.uid, runAs.gid);
}

/** pid and port from `<dataDir>/postmaster.pid` when a postmaster is alive there. */
export async function runningPostmaster(dataDir: string): Promise<{ pid: number; port: number } | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8');
  } catch {
    return undefined;
  }
  // Line 1: pid, line 4: port (see PostgreSQL's pidfile.h).
  const lines = text.split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!isPidAlive(pid) || !Number.isInteger(port)) return undefined;
  return { pid, port };
}

export function postgresUrl(port: number, database: string = FUSECAP_DATABASE): string {
  return `postgres://${SERVER_USER}@${HOST}:${port}/${database}`;
}

/** Connects and runs `select 1`; true when the server answers. */
async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function createDatabaseIfMissing(port: number, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl(port, 'postgres'), connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    const r = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (r.rowCount === 0) await client.query(`create database ${quoteIdent(name)}`);
  } catch (err) {
    // A concurrent creator won the race; the database exists either way.
    if ((err as { code?: string }).code !== '42P04') throw err;
  } finally {
    await client.end();
  }
}

/**
 * Initialises `dataDir` once (trust auth, 127.0.0.1 only), starts the server with pg_ctl, waits until it
 * answers queries and creates the `fusecap` database.
 */
export async function startPostgres(opts: StartPostgresOptions): Promise<PostgresServer> {
  const binDir = opts.binDir ?? (await findPostgresBinDir());
  const runAs = await serverUser();
  const dataDir = path.resolve(opts.dataDir);
  const logFile = path.resolve(opts.logFile);

  await giveToServerUser(dataDir, runAs, 'dir');
  await giveToServerUser(logFile, runAs, 'file');
  if (runAs) {
    // Every parent must be traversable by the server user; say so clearly if it is not (e.g. under /root).
    const probe = spawnSync(runAs.prefix[0], [...runAs.prefix.slice(1), 'test', '-w', dataDir], { cwd: '/' });
    if (probe.status !== 0) {
      throw new Error(`the '${SERVER_USER}' OS user cannot write ${dataDir}; put the data dir where that user can reach it`);
    }
  }

  if (!(await fileExists(path.join(dataDir, 'PG_VERSION')))) {
    if ((await readdir(dataDir)).length > 0) {
      throw new Error(`${dataDir} is not empty but holds no PostgreSQL cluster (no PG_VERSION); remove it to start fresh`);
    }
    const r = await pgRun(binDir, runAs, 'initdb', ['-D', dataDir, '-U', SERVER_USER, '--auth=trust', '--encoding=UTF8', '--locale=C']);
    if (r.code !== 0) throw new Error(`${r.command} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
    // Settings that belong to the cluster; the port is chosen per start (-p) instead.
    await appendFile(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        '# fusecap (services/postgres.ts): local-only, TCP only',
        `listen_addresses = '${HOST}'`,
        "unix_socket_directories = ''",
        // Tests create one database per suite and run two files at once; room for pools.
        'max_connections = 200',
        '',
      ].join('\n'),
    );
  }

  const existing = await runningPostmaster(dataDir);
  if (existing) {
    throw new Error(
      `a PostgreSQL server (pid ${existing.pid}, port ${existing.port}) already runs on ${dataDir}; use ensurePostgres() to share it`,
    );
  }

  const port = opts.port ?? (await freePort(HOST));
  const start = await pgRun(binDir, runAs, 'pg_ctl', ['-D', dataDir, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '60', 'start']);
  if (start.code !== 0) {
    throw new Error(
      `${start.command} failed (exit ${start.code}):\n${start.stdout}${start.stderr}\nLog tail (${logFile}):\n${await logTail(logFile)}`,
    );
  }

  const stopSync = (): void => {
    // 'immediate' at process exit: we cannot wait there, and the data dir is throwaway for attached use.
    const cmd = [...(runAs?.prefix ?? []), path.join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', 'stop'];
    spawnSync(cmd[0], cmd.slice(1), { cwd: '/', stdio: 'ignore' });
  };
  if (!opts.detached) process.once('exit', stopSync);

  try {
    const deadline = Date.now() + 30_000;
    while (!(await canQuery(postgresUrl(port, 'postgres')))) {
      if (Date.now() > deadline)
        throw new Error(`PostgreSQL on port ${port} does not answer queries. Log tail (${logFile}):\n${await logTail(logFile)}`);
      await sleep(200);
    }
    await createDatabaseIfMissing(port, FUSECAP_DATABASE);
  } catch (err) {
    await pgRun(binDir, runAs, 'pg_ctl', ['-D', dataDir, '-m', 'immediate', 'stop']).catch(() => undefined);
    process.removeListener('exit', stopSync);
    throw err;
  }

  let stopped: Promise<void> | undefined;
  return {
    url: postgresUrl(port),
    port,
    dataDir,
    stop() {
      stopped ??= (async () => {
        process.removeListener('exit', stopSync);
        await stopPostgresDataDir(dataDir, binDir);
      })();
      return stopped;
    },
  };
}

/**
 * `pg_ctl stop -m immediate`: the server quits without a checkpoint, as after a power cut, and recovers
 * from its WAL on the next start. For tests that prove a run survives its database going away.
 */
export async function stopPostgresImmediately(dataDir: string, binDir?: string): Promise<void> {
  const bin = binDir ?? (await findPostgresBinDir());
  const r = await pgRun(bin, await serverUser(), 'pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', '-t', '60', 'stop']);
  if (r.code !== 0) throw new Error(`${r.command} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
}

/** `pg_ctl stop -m fast` on `dataDir` if a server runs there. Returns whether one did. */
export async function stopPostgresDataDir(dataDir: string, binDir?: string): Promise<boolean> {
  if (!(await runningPostmaster(dataDir))) return false;
  const bin = binDir ?? (await findPostgresBinDir());
  const r = await pgRun(bin, await serverUser(), 'pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  if (r.code !== 0 && (await runningPostmaster(dataDir))) {
    throw new Error(`${r.command} failed (exit ${r.code}):\n${r.stdout}${r.stderr}`);
  }
  return true;
}

export interface PostgresRecord {
  pid: number;
  port: number;
  url: string;
  dataDir: string;
  logFile: string;
  startedAt: string;
  stoppedAt?: string;
}

export interface EnsuredPostgres {
  url: string;
  /** `env`: DATABASE_URL; `reused`: a live server on `<dir>/postgres`; `started`: we started it now. */
  source: 'env' | 'reused' | 'started';
  port?: number;
  pid?: number;
}

export interface EnsurePostgresOptions {
  /** Preferred port for a new server; else the previously recorded one if free, else any free port. */
  port?: number;
  /** Ignore DATABASE_URL (tests of this module). */
  ignoreEnv?: boolean;
}

export const postgresRecordFile = (dir: string): string => path.join(dir, 'postgres.json');

/**
 * Where ensurePostgres keeps the cluster for service dir `dir`: `<dir>/postgres` and `<dir>/postgres.log`,
 * unless we are root and the postgres OS user cannot reach `dir` (a checkout under /root, a 0700 temp
 * dir). Then the cluster lives in /var/tmp/fusecap-postgres/<hash of dir>/, which that user can reach.
 */
export async function postgresPaths(dir: string): Promise<{ dataDir: string; logFile: string }> {
  const dirAbs = path.resolve(dir);
  const runAs = await serverUser();
  await mkdir(dirAbs, { recursive: true });
  if (runAs) {
    const probe = spawnSync(runAs.prefix[0], [...runAs.prefix.slice(1), 'test', '-x', dirAbs], { cwd: '/' });
    if (probe.status !== 0) {
      const base = path.join('/var/tmp/fusecap-postgres', createHash('sha256').update(dirAbs).digest('hex').slice(0, 16));
      await mkdir(base, { recursive: true, mode: 0o755 });
      return { dataDir: path.join(base, 'data'), logFile: path.join(base, 'postgres.log') };
    }
  }
  return { dataDir: path.join(dirAbs, 'postgres'), logFile: path.join(dirAbs, 'postgres.log') };
}

/**
 * A PostgreSQL for this machine: `$DATABASE_URL` when set; else the server running on `<dir>/postgres`
 * if alive; else start one there (detached) and record it in `<dir>/postgres.json`.
 */
export async function ensurePostgres(dir: string, opts: EnsurePostgresOptions = {}): Promise<EnsuredPostgres> {
  const envUrl = opts.ignoreEnv ? undefined : process.env.DATABASE_URL;
  if (envUrl) {
    if (!(await canQuery(envUrl))) throw new Error(`DATABASE_URL=${envUrl} does not answer queries`);
    return { url: envUrl, source: 'env' };
  }
  const dirAbs = path.resolve(dir);
  const { dataDir, logFile } = await postgresPaths(dirAbs);
  return withLockFile(path.join(dirAbs, 'postgres.lock'), async () => {
    const running = await runningPostmaster(dataDir);
    if (running) {
      const url = postgresUrl(running.port);
      if (await canQuery(url)) return { url, source: 'reused', port: running.port, pid: running.pid };
      // Alive but not answering (still starting, or the fusecap database is missing): make sure of both.
      await createDatabaseIfMissing(running.port, FUSECAP_DATABASE);
      return { url, source: 'reused', port: running.port, pid: running.pid };
    }
    const rec = await readJson<PostgresRecord>(postgresRecordFile(dirAbs));
    const port = opts.port ?? (rec?.port && (await isPortFree(rec.port)) ? rec.port : await freePort());
    const server = await startPostgres({ dataDir, logFile, port, detached: true });
    const pid = (await runningPostmaster(dataDir))?.pid ?? 0;
    const record: PostgresRecord = { pid, port, url: server.url, dataDir, logFile, startedAt: new Date().toISOString() };
    await writeJsonAtomic(postgresRecordFile(dirAbs), record);
    return { url: server.url, source: 'started', port, pid };
  });
}

/** Stops the server of service dir `dir` if one runs. Keeps the data and the record. */
export async function stopPostgres(dir: string): Promise<boolean> {
  const dirAbs = path.resolve(dir);
  return withLockFile(path.join(dirAbs, 'postgres.lock'), async () => {
    const was = await stopPostgresDataDir((await postgresPaths(dirAbs)).dataDir);
    // Keep the record so the next start reuses the same port (and URL).
    const rec = await readJson<PostgresRecord>(postgresRecordFile(dirAbs));
    if (was && rec) await writeJsonAtomic(postgresRecordFile(dirAbs), { ...rec, stoppedAt: new Date().toISOString() });
    return was;
  });
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

function quoteIdent(name: string): string {
  if (!IDENT.test(name)) {
    throw new Error(
      `invalid database name ${JSON.stringify(name)}: use lower-case letters, digits and _ (at most 63, not starting with a digit)`,
    );
  }
  return `"${name}"`;
}

/** `adminUrl` with its database replaced by `name`. */
export function databaseUrl(adminUrl: string, name: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A database name unique to this process and moment, e.g. `test_db_m3x1k2_4821_a9`. */
export function uniqueDatabaseName(prefix = 'test'): string {
  const base = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 30);
  return `${base}_${Date.now().toString(36)}_${process.pid}_${Math.random().toString(36).slice(2, 6)}`;
}

/** Creates database `name` (fresh; fails if it exists) on the server of `adminUrl`; returns its URL. */
export async function createTestDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    // CREATE DATABASE copies template1 and fails while another session is connected to it; such
    // sessions are brief (another CREATE DATABASE), so retry a few times.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.query(`create database ${quoteIdent(name)}`);
        break;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== '55006' || attempt >= 20) throw err;
        await sleep(100 + Math.random() * 200);
      }
    }
  } finally {
    await client.end();
  }
  return databaseUrl(adminUrl, name);
}

/** Drops database `name` if it exists, disconnecting its sessions first. */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    await client.query(`drop database if exists ${quoteIdent(name)} with (force)`);
  } finally {
    await client.end();
  }
}

/** Removes a stopped cluster's files (services.ts --fresh). Refuses while a server runs on it. */
export async function removePostgresData(dir: string): Promise<void> {
  const { dataDir, logFile } = await postgresPaths(dir);
  if (await runningPostmaster(dataDir)) throw new Error(`a server still runs on ${dataDir}; stop it first`);
  await rm(dataDir, { recursive: true, force: true });
  await writeFile(logFile, '').catch(() => undefined);
}
