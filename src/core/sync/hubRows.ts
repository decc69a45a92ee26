/**
 * What a push reads and writes at the hub besides the ops' own writes: rows and versions by key, the hub's columns
 * (to refuse a row a one-sided schema change made unfit), whether writes can cause others, rows sent back to a
 * replica whose op lost, and custom strategy calls.
 */
import type { Queryable } from '../sql';
import type { RowImage } from './types';
import type { ConflictFacts } from './resolve';
import type { PushOp } from './push';
import { fetchRowsSql } from './hubApply';
import type { TableEntry } from './tracking';
import { qualified } from './ident';

/**
 * `x`'s row versions, looked up by key through the primary key index: a lateral subquery the planner cannot flatten
 * (OFFSET 0). As a join, with no statistics, it hash-joins a scan of the whole `row_version` table per batch.
 */
export const VERSION_BY_KEY = `CROSS JOIN LATERAL (SELECT * FROM _sync.row_version v WHERE v.table_id = x.table_id AND v.pk = x.pk OFFSET 0) v`;

/**
 * What a push must know of the hub's tables, read in one round trip per batch (a schema can change between
 * batches): every column of the given tables (generated ones too: row images carry them), and whether a write to a
 * tracked hub table can cause other writes (a cascading foreign key, a user trigger). Those writes' hub triggers
 * fire with the statement's own (same transition tables, same trigger depth: PostgreSQL queues a cascade's
 * triggers with the outer statement's), so only the triggers can tell the rows apart.
 */
export async function hubShape(tx: Queryable, tableIds: readonly number[]): Promise<{ nested: boolean; columns: Map<number, Set<string>> }> {
  const r = await tx.query<{ nested: boolean; cols: { id: number; cols: string[] }[] | null }>(
    `SELECT EXISTS (
       SELECT 1 FROM _sync.tables s
       JOIN pg_namespace n ON n.nspname = s.schema_name
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.table_name
       JOIN pg_trigger g ON g.tgrelid = c.oid
       JOIN pg_proc p ON p.oid = g.tgfoid
       WHERE g.tgname::text NOT LIKE '\\_sync\\_%'
         AND p.proname::text NOT IN ('RI_FKey_check_ins', 'RI_FKey_check_upd', 'RI_FKey_noaction_del',
                                     'RI_FKey_noaction_upd', 'RI_FKey_restrict_del', 'RI_FKey_restrict_upd')
     ) AS nested,
     (SELECT json_agg(t) FROM (
       SELECT s.id, array_agg(a.attname::text) AS cols
       FROM _sync.tables s
       JOIN pg_namespace n ON n.nspname = s.schema_name
       JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.table_name
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
       WHERE s.id = ANY($1::int[])
       GROUP BY s.id) t) AS cols`,
    [[...tableIds]],
  );
  const row = r.rows[0]!;
  return { nested: row.nested === true, columns: new Map((row.cols ?? []).map((x) => [x.id, new Set(x.cols)])) };
}

/** Why an op's row image does not fit the hub table (a schema change made on one side only), or undefined. */
export function misfit(op: PushOp, t: TableEntry, atHub: Set<string> | undefined, replica: string): string | undefined {
  if (!op.after || !atHub) return undefined;
  const name = t.schema === 'public' ? t.name : `${t.schema}.${t.name}`;
  const extra = Object.keys(op.after).filter((c) => !atHub.has(c));
  if (extra.length) {
    const cols = extra.map((c) => `"${c}"`).join(', ');
    return `Column ${cols} of table ${name} exists on replica ${replica} but not at the hub, so this write cannot sync without losing it. ` +
      'Add the column at the hub (Apply Schema runs DDL on the hub and every replica) or drop it on the replica, then retry the op.';
  }
  const missing = t.columns.filter((c) => !(c in op.after!));
  if (missing.length) {
    const cols = missing.map((c) => `"${c}"`).join(', ');
    return `Column ${cols} of table ${name} exists at the hub but not on replica ${replica}: writing this row would set it to NULL at the hub. ` +
      'Add the column on the replica (Apply Schema runs DDL on the hub and every replica), then retry the op.';
  }
  return undefined;
}

export async function fetchRows(
  tx: Queryable,
  tableById: Map<number, TableEntry>,
  keys: readonly { i: number; tableId: number; pk: RowImage }[],
): Promise<Map<number, RowImage>> {
  const out = new Map<number, RowImage>();
  for (const t of tableById.values()) {
    const ks = keys.filter((k) => k.tableId === t.id);
    if (!ks.length) continue;
    const r = await tx.query<{ i: number; row: RowImage }>(fetchRowsSql(t), [JSON.stringify(ks.map((k) => ({ i: k.i, pk: k.pk })))]);
    for (const x of r.rows) out.set(x.i, x.row);
  }
  return out;
}

/** Appends, for one replica only, the hub's current state of rows whose op did not change the hub. */
export async function refreshRows(
  tx: Queryable,
  ctx: { readonly replica: string },
  tableById: Map<number, TableEntry>,
  keys: readonly { i: number; tableId: number; pk: RowImage }[],
): Promise<void> {
  if (!keys.length) return;
  const rows = await fetchRows(tx, tableById, keys);
  const payload = keys.map((k) => ({ i: k.i, table_id: k.tableId, pk: k.pk, row: rows.get(k.i) ?? null }));
  await tx.query(
    `INSERT INTO _sync.changes (table_id, pk, kind, row, version, hlc, origin, target)
     SELECT x.table_id, x.pk, CASE WHEN nullif(x.row, 'null') IS NULL THEN 'delete' ELSE 'update' END, nullif(x.row, 'null'),
       coalesce(v.version, 0), coalesce(v.hlc, _sync.hlc_text(0, 0, 'hub')), coalesce(v.origin, 'hub'), $2
     FROM jsonb_to_recordset($1::jsonb) x(i int, table_id int, pk jsonb, row jsonb)
     ${VERSION_BY_KEY.replace('CROSS JOIN LATERAL', 'LEFT JOIN LATERAL')} ON true
     ORDER BY x.i`,
    [JSON.stringify(payload), ctx.replica],
  );
}

/** Calls a custom strategy function; its errors propagate (the caller rejects the op). */
export async function callCustom(tx: Queryable, fn: { schema: string; name: string }, f: ConflictFacts): Promise<RowImage | null> {
  const sp = 'sync_custom';
  await tx.query(`SAVEPOINT ${sp}`);
  try {
    const r = await tx.query<{ r: RowImage | null }>(`SELECT ${qualified(fn)}($1::jsonb, $2::jsonb, $3::jsonb, $4::text) AS r`, [
      nullableJson(f.base), nullableJson(f.hub), nullableJson(f.incoming), f.type,
    ]);
    await tx.query(`RELEASE SAVEPOINT ${sp}`);
    const v = r.rows[0]?.r ?? null;
    return v && typeof v === 'object' ? v : null;
  } catch (e) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${sp}`);
    throw e;
  }
}

const nullableJson = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));
