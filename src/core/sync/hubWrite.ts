/**
 * The engine's own writes at the hub (pushed ops and their resolutions), with their row versions and change log
 * entries written by the SAME statement (data-modifying CTEs), not by the hub triggers.
 *
 * Why: the hub triggers (tracking.ts) must work for any writer, so they aggregate the transition tables to
 * jsonb, re-read them, and look each row up in `_sync.staged` to learn which op wrote it. For its own writes
 * the engine already knows the op, its origin and HLC, so one statement per table does the upsert (or delete),
 * the version upsert and the change log insert, and returns the new versions. The hub triggers skip the
 * statement (`sync.engine_write` on). Used only when no write can cause others (no cascading foreign key, no
 * user trigger on a tracked table): their rows would reach the same triggers, mixed with the engine's.
 *
 * The SQL matches `_sync.hub_record` (schemaSql.ts): same version, chain, per-column HLC and change rules, and
 * an update that changes nothing records nothing, as the update trigger's IS DISTINCT FROM does.
 */
import type { Queryable } from '../sql';
import { DbError } from '../errors';
import type { RowImage } from './types';
import { quoteIdent, quoteLiteral, qualified } from './ident';
import { rowsByKeySql, upsertSql } from './hubApply';
import { pkJson, type TableEntry } from './tracking';
import { ROW_VERSION_BUMP } from './schemaSql';

/** One op's write at the hub. */
export interface OpWrite {
  /** Caller's index, returned with versions and failures. */
  readonly i: number;
  readonly tableId: number;
  readonly action: 'upsert' | 'delete';
  readonly pk: RowImage;
  readonly row: RowImage | null;
  readonly opId: string;
  readonly hlc: string;
}

export interface OpWriteOutcome {
  /** Hub row version after the write, for the writes that changed the row. */
  readonly versions: Map<number, number>;
  readonly failures: { readonly i: number; readonly error: DbError }[];
}

/** Version, chain, tombstone and change log of the rows in `w` (pk, before, after, op_id, hlc, col_hlc, ord). */
const RECORD = `
  rv AS (
    INSERT INTO _sync.row_version AS v (table_id, pk, version, origin, chain_base, hlc, deleted, col_hlc)
    SELECT $3::int, w.pk, 1, $4::text, 0, w.hlc, w.after IS NULL, coalesce(w.col_hlc, '{}') FROM w
    ${ROW_VERSION_BUMP}
    RETURNING v.pk, v.version
  ), ch AS (
    INSERT INTO _sync.changes (table_id, pk, kind, row, version, hlc, origin, op_id)
    SELECT $3::int, w.pk, CASE WHEN w.after IS NULL THEN 'delete' WHEN w.before IS NULL THEN 'insert' ELSE 'update' END,
           w.after, rv.version, w.hlc, $4::text, w.op_id
    FROM w JOIN rv ON rv.pk = w.pk
    ORDER BY w.ord
  )
  SELECT w.ord AS i, rv.version FROM w JOIN rv ON rv.pk = w.pk`;

const META = `m AS (SELECT m.pk, m.op_id, m.hlc, m.ord FROM jsonb_to_recordset($2::jsonb) m(pk jsonb, op_id text, hlc text, ord int))`;

const key = (t: TableEntry, a: string) => `(${t.pk.map((c) => `${a}.${quoteIdent(c)}`).join(', ')})`;

/**
 * The per-column HLCs a write sets: every column of an inserted row, the changed columns of an updated one. Built
 * from the table's column list (one CASE per column, nulls stripped) rather than `jsonb_each` + `jsonb_object_agg`
 * per row, which cost half of the whole statement on 500-row batches.
 */
function colHlcSql(t: TableEntry): string {
  const cols = t.columns.map(
    (c) => `${quoteLiteral(c)}, CASE WHEN o.row IS NULL OR o.row -> ${quoteLiteral(c)} IS DISTINCT FROM u.row -> ${quoteLiteral(c)} THEN m.hlc END`,
  );
  // jsonb_build_object takes at most 100 arguments (50 columns): wide tables concatenate several
  const parts: string[] = [];
  for (let i = 0; i < cols.length; i += 40) parts.push(`jsonb_build_object(${cols.slice(i, i + 40).join(', ')})`);
  return `jsonb_strip_nulls(${parts.join(' || ')})`;
}

/** Parameters: $1 rows (jsonb array), $2 meta [{pk, op_id, hlc, ord}], $3 table id, $4 origin. Returns (i, version). */
// The rows before the write, found by key through the primary key index: a lateral subquery the planner cannot
// flatten (OFFSET 0), since without statistics it would hash-join a scan of the whole table for every batch.
export function hubUpsertSql(t: TableEntry): string {
  return `WITH ${META},
  o AS (SELECT ${pkJson(t, 'h')} AS pk, to_jsonb(h.*) AS row FROM jsonb_populate_recordset(NULL::${qualified(t)}, $1::jsonb) p
        CROSS JOIN LATERAL (SELECT * FROM ${qualified(t)} h WHERE ${key(t, 'h')} = ${key(t, 'p')} OFFSET 0) h),
  u AS (${upsertSql(t)} RETURNING ${pkJson(t, 'h')} AS pk, to_jsonb(h.*) AS row),
  w AS (SELECT u.pk, o.row AS before, u.row AS after, m.op_id, m.hlc, m.ord,
          ${colHlcSql(t)} AS col_hlc
        FROM u JOIN m ON m.pk = u.pk LEFT JOIN o ON o.pk = u.pk
        WHERE o.row IS DISTINCT FROM u.row),${RECORD}`;
}

/** Parameters as hubUpsertSql, $1 = jsonb array of primary keys. */
export function hubDeleteSql(t: TableEntry): string {
  return `WITH ${META},
  d AS (DELETE FROM ${qualified(t)} h WHERE ${rowsByKeySql(t)} RETURNING ${pkJson(t, 'h')} AS pk, to_jsonb(h.*) AS row),
  w AS (SELECT d.pk, d.row AS before, NULL::jsonb AS after, m.op_id, m.hlc, m.ord, NULL::jsonb AS col_hlc
        FROM d JOIN m ON m.pk = d.pk),${RECORD}`;
}

let savepoints = 0;

async function attempt(
  q: Queryable,
  sql: string,
  t: TableEntry,
  origin: string,
  ws: readonly OpWrite[],
): Promise<{ rows: { i: number; version: string }[] } | DbError> {
  const sp = `sync_hw_${++savepoints}`;
  const payload = ws.map((w) => (w.action === 'upsert' ? w.row : w.pk));
  const meta = ws.map((w) => ({ pk: w.pk, op_id: w.opId, hlc: w.hlc, ord: w.i }));
  await q.query(`SAVEPOINT ${sp}`);
  try {
    const r = await q.query<{ i: number; version: string }>(sql, [JSON.stringify(payload), JSON.stringify(meta), t.id, origin]);
    await q.query(`RELEASE SAVEPOINT ${sp}`);
    return r;
  } catch (e) {
    await q.query(`ROLLBACK TO SAVEPOINT ${sp}`);
    await q.query(`RELEASE SAVEPOINT ${sp}`);
    if (DbError.is(e)) return e;
    throw e;
  }
}

/**
 * Applies ops' writes at the hub as `origin`: upserts table by table in FK order (parents first), then deletes in
 * reverse order, one statement each under a savepoint; when one fails, its rows are retried one by one to find
 * the refused ones. Several writes to one row in one call are not allowed (the push applies rounds).
 */
export async function applyOpWrites(
  q: Queryable,
  tables: readonly TableEntry[],
  origin: string,
  writes: readonly OpWrite[],
): Promise<OpWriteOutcome> {
  const versions = new Map<number, number>();
  const failures: { i: number; error: DbError }[] = [];
  if (!writes.length) return { versions, failures };
  const steps: [OpWrite['action'], TableEntry][] = [
    ...tables.map((t): [OpWrite['action'], TableEntry] => ['upsert', t]),
    ...[...tables].reverse().map((t): [OpWrite['action'], TableEntry] => ['delete', t]),
  ];
  // the hub triggers skip these statements (they record their own versions); nothing else runs meanwhile
  await q.query(`SELECT set_config('sync.engine_write', 'on', true)`);
  for (const [action, t] of steps) {
    const ws = writes.filter((w) => w.action === action && w.tableId === t.id);
    if (!ws.length) continue;
    const sql = action === 'upsert' ? hubUpsertSql(t) : hubDeleteSql(t);
    const r = await attempt(q, sql, t, origin, ws);
    if (!DbError.is(r)) {
      for (const x of r.rows) versions.set(Number(x.i), Number(x.version));
    } else if (ws.length === 1) {
      failures.push({ i: ws[0]!.i, error: r });
    } else {
      for (const w of ws) {
        const one = await attempt(q, sql, t, origin, [w]);
        if (DbError.is(one)) failures.push({ i: w.i, error: one });
        else for (const x of one.rows) versions.set(Number(x.i), Number(x.version));
      }
    }
  }
  await q.query(`SELECT set_config('sync.engine_write', 'off', true)`);
  return { versions, failures };
}
