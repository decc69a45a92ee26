/**
 * Set-based writes to hub (and replica) user tables from JSON row images, with a per-row fallback that
 * isolates the rows a constraint refuses. One statement per table and kind, never one per row when it works.
 */
import type { Queryable } from '../sql';
import { DbError } from '../errors';
import type { RowImage } from './types';
import { quoteIdent, qualified } from './ident';
import type { TableEntry } from './tracking';

/** `INSERT … SELECT FROM jsonb_populate_recordset(…) ON CONFLICT (pk) DO UPDATE`: parameter $1 = jsonb array. */
export function upsertSql(t: TableEntry): string {
  const cols = t.columns.map(quoteIdent);
  const nonKey = t.columns.filter((c) => !t.pk.includes(c)).map(quoteIdent);
  const onConflict = nonKey.length
    ? `DO UPDATE SET ${nonKey.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}`
    : 'DO NOTHING';
  return `INSERT INTO ${qualified(t)} AS h (${cols.join(', ')}) OVERRIDING SYSTEM VALUE
    SELECT ${cols.map((c) => `r.${c}`).join(', ')} FROM jsonb_populate_recordset(NULL::${qualified(t)}, $1::jsonb) r
    ON CONFLICT (${t.pk.map(quoteIdent).join(', ')}) ${onConflict}`;
}

/**
 * The rows of `h` whose keys are in the jsonb array $1. A single-column key is matched with `= ANY(array)`, which the
 * planner answers through the primary key index; as a join (the only form for a composite key), with no statistics,
 * it may hash-join a scan of the whole table for every batch. (Not by ctid: partitions repeat ctids.)
 */
export function rowsByKeySql(t: TableEntry): string {
  const key = (a: string) => `(${t.pk.map((c) => `${a}.${quoteIdent(c)}`).join(', ')})`;
  const rows = `jsonb_populate_recordset(NULL::${qualified(t)}, $1::jsonb) p`;
  if (t.pk.length === 1) {
    const k = quoteIdent(t.pk[0]!);
    return `h.${k} = ANY(ARRAY(SELECT p.${k} FROM ${rows}))`;
  }
  return `${key('h')} IN (SELECT ${t.pk.map((c) => `p.${quoteIdent(c)}`).join(', ')} FROM ${rows})`;
}

/** Deletes the rows with the given keys: parameter $1 = jsonb array of primary keys. */
export function deleteSql(t: TableEntry): string {
  return `DELETE FROM ${qualified(t)} h WHERE ${rowsByKeySql(t)}`;
}

/** `to_jsonb` of the rows with the given keys: parameter $1 = jsonb array of {i, pk}. Returns (i, row). */
export function fetchRowsSql(t: TableEntry): string {
  const key = (a: string) => `(${t.pk.map((c) => `${a}.${quoteIdent(c)}`).join(', ')})`;
  // by key through the primary key index (OFFSET 0: not flattened into a hash join over the whole table)
  return `SELECT x.i, to_jsonb(h.*) AS row
    FROM jsonb_to_recordset($1::jsonb) x(i int, pk jsonb)
    CROSS JOIN LATERAL jsonb_populate_record(NULL::${qualified(t)}, x.pk) p
    CROSS JOIN LATERAL (SELECT * FROM ${qualified(t)} h WHERE ${key('h')} = ${key('p')} OFFSET 0) h`;
}

/** One write to apply. */
export interface Write {
  /** Caller's index, returned with failures. */
  readonly i: number;
  readonly action: 'upsert' | 'delete';
  readonly pk: RowImage;
  readonly row: RowImage | null;
}

/** A write the database refused. */
export interface WriteFailure {
  readonly i: number;
  readonly error: DbError;
}

let savepoints = 0;

async function attempt(q: Queryable, sql: string, param: unknown): Promise<DbError | undefined> {
  const sp = `sync_sp_${++savepoints}`;
  await q.query(`SAVEPOINT ${sp}`);
  try {
    await q.query(sql, [JSON.stringify(param)]);
    await q.query(`RELEASE SAVEPOINT ${sp}`);
    return undefined;
  } catch (e) {
    await q.query(`ROLLBACK TO SAVEPOINT ${sp}`);
    await q.query(`RELEASE SAVEPOINT ${sp}`);
    if (DbError.is(e)) return e;
    throw e;
  }
}

/**
 * Applies writes: upserts table by table in FK order (parents first), then deletes in reverse order. Each
 * statement runs under a savepoint; when one fails, its rows are retried one by one to find the refused ones.
 * Without `isolate`, the first error is thrown (pull: the hub already accepted these rows).
 */
export async function applyWrites(
  q: Queryable,
  tables: readonly TableEntry[],
  writes: readonly (Write & { readonly tableId: number })[],
): Promise<WriteFailure[]> {
  const failures: WriteFailure[] = [];
  const byTable = (action: Write['action'], t: TableEntry) => writes.filter((w) => w.action === action && w.tableId === t.id);
  const steps: [Write['action'], TableEntry][] = [
    ...tables.map((t): [Write['action'], TableEntry] => ['upsert', t]),
    ...[...tables].reverse().map((t): [Write['action'], TableEntry] => ['delete', t]),
  ];
  for (const [action, t] of steps) {
    const ws = byTable(action, t);
    if (!ws.length) continue;
    const sql = action === 'upsert' ? upsertSql(t) : deleteSql(t);
    const payload = (w: Write) => (action === 'upsert' ? w.row : w.pk);
    const err = await attempt(q, sql, ws.map(payload));
    if (!err) continue;
    if (ws.length === 1) {
      failures.push({ i: ws[0]!.i, error: err });
      continue;
    }
    for (const w of ws) {
      const e = await attempt(q, sql, [payload(w)]);
      if (e) failures.push({ i: w.i, error: e });
    }
  }
  return failures;
}
