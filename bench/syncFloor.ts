/**
 * The design floor of a sync: the writes and reads every op needs in this sync model, as bare batched SQL with
 * no engine around them, on the same three in-thread PGlite databases (replica A, hub, replica B). Per batch of
 * 500 ops:
 *
 *   A    read the queued ops (seq order, through the queue's partial index)
 *   hub  one statement: upsert the user rows, bump each row's version, append the change log
 *   A    mark the ops applied
 *   hub  read the change log after B's cursor
 *   B    upsert the user rows, record each row's hub version, move the cursor
 *
 * Left out, though the engine needs them: conflict checks, HLCs and per-column clocks, the timeline, idempotent
 * re-sends (applied-op records), the in-flight range, A pulling its own changes back, and every JS step between.
 * What is left is what no design that keeps a queue with statuses, row versions and a change log pulled by cursor
 * can skip, so a sync cannot be faster than this.
 */
import type { SqlPort } from '../src/core/sql';
import { openPgliteFromTemplate } from '../src/db/template';

/** The bench's user table, shared with syncEngine.bench.ts so that the floor and the engine move the same rows. */
export const COLUMNS = '(id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)';
export const UPSERT = 'ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty';

const A_SCHEMA = `CREATE TABLE items ${COLUMNS};
  CREATE TABLE oplog (seq bigserial PRIMARY KEY, table_id int NOT NULL, pk jsonb NOT NULL, kind text NOT NULL,
    after jsonb, base_version bigint NOT NULL, hlc text NOT NULL, status text NOT NULL DEFAULT 'pending');
  CREATE INDEX oplog_queued ON oplog (seq) WHERE status = 'pending';`;
const HUB_SCHEMA = `CREATE TABLE items ${COLUMNS};
  CREATE TABLE row_version (table_id int, pk jsonb, version bigint NOT NULL, hlc text NOT NULL, PRIMARY KEY (table_id, pk));
  CREATE TABLE changes (seq bigserial PRIMARY KEY, table_id int NOT NULL, pk jsonb NOT NULL, kind text NOT NULL,
    row jsonb, version bigint NOT NULL, hlc text NOT NULL);`;
const B_SCHEMA = `CREATE TABLE items ${COLUMNS};
  CREATE TABLE row_meta (table_id int, pk jsonb, hub_version bigint NOT NULL, PRIMARY KEY (table_id, pk));
  CREATE TABLE cursor (id int PRIMARY KEY, seq bigint NOT NULL); INSERT INTO cursor VALUES (1, 0);`;

const HUB_WRITE = `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, after jsonb, hlc text)),
  u AS (INSERT INTO items SELECT r.* FROM x, jsonb_populate_record(NULL::items, x.after) r
        ${UPSERT}),
  v AS (INSERT INTO row_version SELECT table_id, pk, 1, hlc FROM x
        ON CONFLICT (table_id, pk) DO UPDATE SET version = row_version.version + 1, hlc = EXCLUDED.hlc
        RETURNING table_id, pk, version, hlc)
  INSERT INTO changes (table_id, pk, kind, row, version, hlc)
  SELECT v.table_id, v.pk, 'upsert', x.after, v.version, v.hlc FROM v JOIN x USING (table_id, pk)`;

const B_WRITE = `WITH x AS (SELECT * FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, row jsonb, version bigint)),
  u AS (INSERT INTO items SELECT r.* FROM x, jsonb_populate_record(NULL::items, x.row) r
        ${UPSERT}),
  m AS (INSERT INTO row_meta SELECT table_id, pk, version FROM x
        ON CONFLICT (table_id, pk) DO UPDATE SET hub_version = EXCLUDED.hub_version)
  UPDATE cursor SET seq = $2 WHERE id = 1`;

interface Op { seq: string; table_id: number; pk: unknown; after: unknown; hlc: string }
interface Change { seq: string; table_id: number; pk: unknown; row: unknown; version: string }

/** Milliseconds for `ops` queued inserts on A (queued before timing) to reach B, `batch` per statement. */
export async function designFloor(ops: number, batch: number): Promise<number> {
  const [a, hub, b] = (await Promise.all([openPgliteFromTemplate(), openPgliteFromTemplate(), openPgliteFromTemplate()])) as SqlPort[];
  try {
    await Promise.all([a!.exec(A_SCHEMA), hub!.exec(HUB_SCHEMA), b!.exec(B_SCHEMA)]);
    await a!.query(`INSERT INTO oplog (table_id, pk, kind, after, base_version, hlc)
      SELECT 1, jsonb_build_object('id', g), 'insert', jsonb_build_object('id', g, 'name', 'item ' || g, 'qty', g % 100), 0,
             lpad(g::text, 16, '0') FROM generate_series(1, ${ops}) g`);
    const t0 = performance.now();
    for (;;) {
      const q = await a!.query<Op>(
        `SELECT seq, table_id, pk, after, hlc FROM oplog WHERE status = 'pending' ORDER BY seq LIMIT ${batch}`,
      );
      if (!q.rows.length) break;
      await hub!.transaction((tx) => tx.query(HUB_WRITE, [JSON.stringify(q.rows)]));
      await a!.query(`UPDATE oplog SET status = 'applied' WHERE seq BETWEEN $1 AND $2 AND status = 'pending'`, [
        q.rows[0]!.seq, q.rows.at(-1)!.seq,
      ]);
    }
    let cursor = '0';
    for (;;) {
      const c = await hub!.query<Change>(
        `SELECT seq, table_id, pk, row, version FROM changes WHERE seq > $1 ORDER BY seq LIMIT ${batch}`, [cursor],
      );
      if (!c.rows.length) break;
      cursor = c.rows.at(-1)!.seq;
      await b!.transaction((tx) => tx.query(B_WRITE, [JSON.stringify(c.rows), cursor]));
    }
    const ms = performance.now() - t0;
    const n = (await b!.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n;
    if (n !== ops) throw new Error(`sync floor bench: B has ${n} rows, expected ${ops}`);
    return ms;
  } finally {
    await Promise.all([a, hub, b].map((d) => d!.close()));
  }
}
