// Real PostgreSQL from the distribution's binaries, started by services/postgres.ts.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import {
  createTestDatabase,
  dropDatabase,
  ensurePostgres,
  postgresPaths,
  removePostgresData,
  runningPostmaster,
  startPostgres,
  stopPostgres,
  uniqueDatabaseName,
  type PostgresServer,
} from '../../services/postgres.ts';
import { isPortFree } from '../../services/util.ts';

// mkdtemp makes a 0700 dir; as root, the server runs as the postgres user, who must traverse it.
function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('startPostgres', () => {
  let root: string;
  let server: PostgresServer;

  before(async () => {
    root = tempDir('fusecap-pg-');
    server = await startPostgres({ dataDir: path.join(root, 'data'), logFile: path.join(root, 'pg.log') });
  });
  after(async () => {
    await server?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  test('serves the fusecap database on 127.0.0.1 with trust auth', async () => {
    assert.match(server.url, /^postgres:\/\/postgres@127\.0\.0\.1:\d+\/fusecap$/);
    const [row] = await query<{ db: string; v: string }>(server.url, 'select current_database() as db, version() as v');
    assert.equal(row.db, 'fusecap');
    assert.match(row.v, /^PostgreSQL \d+/);
  });

  test('createTestDatabase / dropDatabase', async () => {
    const name = uniqueDatabaseName('svc test');
    assert.match(name, /^svc_test_[a-z0-9_]+$/);
    const url = await createTestDatabase(server.url, name);
    assert.ok(url.endsWith(`/${name}`));
    await query(url, 'create table t (x int); insert into t values (1), (2)');
    const [row] = await query<{ n: string }>(url, 'select count(*) as n from t');
    assert.equal(row.n, '2');
    // Dropping disconnects sessions still open on it (WITH (FORCE)).
    const held = new pg.Client({ connectionString: url });
    await held.connect();
    held.on('error', () => undefined);
    await dropDatabase(server.url, name);
    const left = await query(server.url, `select 1 from pg_database where datname = '${name}'`);
    assert.equal(left.length, 0);
    await held.end().catch(() => undefined);
    await assert.rejects(createTestDatabase(server.url, 'Bad-Name'), /invalid database name/);
  });

  test('stop() shuts the server down and frees the port', async () => {
    const dataDir = path.join(root, 'data');
    assert.ok(await runningPostmaster(dataDir));
    await server.stop();
    assert.equal(await runningPostmaster(dataDir), undefined);
    assert.ok(await isPortFree(server.port));
  });
});

test('ensurePostgres starts once, then reuses the live server; data persists across restarts', async () => {
  const dir = tempDir('fusecap-pg-ensure-');
  try {
    const first = await ensurePostgres(dir, { ignoreEnv: true });
    assert.equal(first.source, 'started');
    await query(first.url, 'create table kept (x int); insert into kept values (42)');
    const second = await ensurePostgres(dir, { ignoreEnv: true });
    assert.equal(second.source, 'reused');
    assert.equal(second.url, first.url);
    assert.equal(second.pid, first.pid);

    assert.equal(await stopPostgres(dir), true);
    const third = await ensurePostgres(dir, { ignoreEnv: true });
    assert.equal(third.source, 'started');
    const [row] = await query<{ x: number }>(third.url, 'select x from kept');
    assert.equal(row.x, 42);
  } finally {
    await stopPostgres(dir);
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'ensurePostgres keeps the cluster where the postgres user can reach it when the dir is private',
  { skip: process.getuid?.() !== 0 && 'only root hands the cluster to the postgres user' },
  async () => {
    // mkdtemp's 0700 dir: the postgres user cannot traverse it (like a checkout under /root).
    const dir = mkdtempSync(path.join(tmpdir(), 'fusecap-pg-private-'));
    const { dataDir } = await postgresPaths(dir);
    try {
      assert.ok(dataDir.startsWith('/var/tmp/fusecap-postgres/'), dataDir);
      const got = await ensurePostgres(dir, { ignoreEnv: true });
      assert.equal(got.source, 'started');
      assert.equal((await query<{ one: number }>(got.url, 'select 1 as one'))[0].one, 1);
    } finally {
      await stopPostgres(dir);
      await removePostgresData(dir);
      rmSync(path.dirname(dataDir), { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  },
);

test('ensurePostgres uses DATABASE_URL when set', { skip: !process.env.DATABASE_URL && 'DATABASE_URL not set' }, async () => {
  const got = await ensurePostgres(path.join(tmpdir(), 'unused-fusecap-dir'));
  assert.deepEqual(got, { url: process.env.DATABASE_URL, source: 'env' });
});
