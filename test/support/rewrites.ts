/**
 * Counts second writes of stage results: the batch activity's upsert turns a second write of a key into an
 * UPDATE, which this trigger logs. Zero rows in stage_result_rewrites = no image's result written twice.
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';

export async function installRewriteLog(db: Db): Promise<void> {
  await db.execute(sql`create table if not exists stage_result_rewrites (image_id text, stage text, at timestamptz default now())`);
  await db.execute(sql`create or replace function log_stage_result_rewrite() returns trigger language plpgsql as $$
    begin insert into stage_result_rewrites (image_id, stage) values (new.image_id, new.stage); return new; end $$`);
  await db.execute(sql`drop trigger if exists stage_results_rewrite on stage_results`);
  await db.execute(
    sql`create trigger stage_results_rewrite after update on stage_results for each row execute function log_stage_result_rewrite()`,
  );
}

export async function countRewrites(db: Db): Promise<number> {
  const r = (await db.execute(sql`select count(*)::int as n from stage_result_rewrites`)) as unknown as { rows: { n: number }[] };
  return Number(r.rows[0].n);
}
