/**
 * The replica side of a pull: a batch of hub changes applied in ONE replica transaction with capture
 * suppressed (`sync.applying`), row versions recorded and the cursor advanced in the same transaction.
 *
 * Several changes of one row in a batch collapse to the last (the change log holds full row images).
 * A row with local ops not yet settled (pending, sent, parked) keeps its local value: that op's own resolution
 * at the hub comes back later through the change log (as a change or, when it lost, as a refresh).
 */
import type { Queryable, SqlPort } from '../sql';
import type { ChangePulledEvent, UnnumberedEvent } from './events';
import type { OpKind, RowImage } from './types';
import { applyWrites, type Write } from './hubApply';
import type { TableEntry } from './tracking';
import { parseHlc } from './hlc';
import { queryJsonRows } from './jsonRows';

export interface Change {
  readonly seq: number;
  readonly tableId: number;
  readonly pk: RowImage;
  readonly kind: OpKind;
  readonly row: RowImage | null;
  readonly version: number;
  readonly hlc: string;
  readonly origin: string;
}

/** The next changes for a replica after its cursor. */
export async function readChanges(hub: Queryable, replica: string, cursor: number, limit: number): Promise<Change[]> {
  // one json text for the batch (jsonRows.ts): 500 row images decoded cell by cell cost more than the query
  const rows = await queryJsonRows<{ seq: number; table_id: number; pk: RowImage; kind: OpKind; row: RowImage | null; version: number; hlc: string; origin: string }>(
    hub,
    `SELECT seq, table_id, pk, kind, row, version, hlc, origin FROM _sync.changes
     WHERE seq > $1 AND (target IS NULL OR target = $2) ORDER BY seq LIMIT $3`,
    [cursor, replica, limit],
    'x.seq',
  );
  return rows.map((x) => ({
    seq: Number(x.seq), tableId: x.table_id, pk: x.pk, kind: x.kind, row: x.row, version: Number(x.version), hlc: x.hlc, origin: x.origin,
  }));
}

/** Does the hub have changes for this replica after `cursor`? */
export async function hasChanges(hub: Queryable, replica: string, cursor: number): Promise<boolean> {
  const r = await hub.query('SELECT 1 FROM _sync.changes WHERE seq > $1 AND (target IS NULL OR target = $2) LIMIT 1', [cursor, replica]);
  return r.rows.length > 0;
}

/** Applies one pulled batch; returns its events (unnumbered). Throws if the replica refuses a row. */
export async function applyPulled(
  db: SqlPort,
  replica: string,
  tables: readonly TableEntry[],
  changes: readonly Change[],
  at: string,
  nowMs: number,
): Promise<UnnumberedEvent[]> {
  const tableById = new Map(tables.map((t) => [t.id, t]));
  const key = (c: Change) => `${c.tableId}:${JSON.stringify(c.pk)}`;
  const last = new Map<string, number>();
  changes.forEach((c, i) => last.set(key(c), i));
  return db.transaction(async (tx) => {
    await tx.query(`SELECT set_config('sync.applying', 'on', true), set_config('TimeZone', 'UTC', true)`);
    const keys = [...last.values()].map((i) => ({ i, table_id: changes[i]!.tableId, pk: changes[i]!.pk }));
    // usually nothing is queued when a sync pulls (it pushed first): one look at the queue's partial indexes
    // spares an index probe per pulled row
    const queued = await tx.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM _sync.oplog WHERE status IN ('pending', 'sent')) OR EXISTS (SELECT 1 FROM _sync.oplog WHERE status = 'conflict') AS any`,
    );
    const busy = queued.rows[0]!.any
      ? await tx.query<{ i: number }>(
          `SELECT x.i FROM jsonb_to_recordset($1::jsonb) x(i int, table_id int, pk jsonb)
           WHERE EXISTS (SELECT 1 FROM _sync.oplog o WHERE o.table_id = x.table_id AND o.pk = x.pk
                         AND o.status IN ('pending', 'sent', 'conflict') OFFSET 0)`, // OFFSET 0: an index probe per key, no scan of the queue
          [JSON.stringify(keys)],
        )
      : { rows: [] };
    const keptLocal = new Set(busy.rows.map((r) => r.i));
    const writes: (Write & { tableId: number })[] = [];
    const applied: number[] = [];
    for (const i of last.values()) {
      if (keptLocal.has(i)) continue;
      const c = changes[i]!;
      writes.push({ i, tableId: c.tableId, action: c.kind === 'delete' ? 'delete' : 'upsert', pk: c.pk, row: c.row });
      applied.push(i);
    }
    // rows of one batch can depend on each other (a unique value moving from one row to another): retry the
    // refused ones while that makes progress; what is still refused then is a real problem
    let todo = writes;
    for (;;) {
      const failures = await applyWrites(tx, tables, todo);
      if (!failures.length) break;
      if (failures.length === todo.length) throw failures[0]!.error;
      const failed = new Set(failures.map((f) => f.i));
      todo = todo.filter((w) => failed.has(w.i));
    }
    if (applied.length) {
      await tx.query(
        `INSERT INTO _sync.row_meta (table_id, pk, hub_version)
         SELECT x.table_id, x.pk, x.version FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, version bigint)
         ON CONFLICT (table_id, pk) DO UPDATE SET hub_version = EXCLUDED.hub_version`,
        [JSON.stringify(applied.map((i) => ({ table_id: changes[i]!.tableId, pk: changes[i]!.pk, version: changes[i]!.version })))],
      );
    }
    const cursor = changes[changes.length - 1]!.seq;
    await tx.query(`UPDATE _sync.meta SET value = to_jsonb($1::bigint) WHERE key = 'cursor'`, [cursor]);
    await tx.query('UPDATE _sync.clock SET physical_ms = $1', [nowMs]);
    const maxHlc = changes.reduce((m, c) => (c.hlc > m ? c.hlc : m), '');
    const h = parseHlc(maxHlc);
    await tx.query('SELECT _sync.hlc_observe($1, $2)', [h.wall, h.counter]);
    return changes.map((c, i): Omit<ChangePulledEvent, 'seq'> => {
      const t = tableById.get(c.tableId)!;
      return {
        type: 'change_pulled', at, replica, changeSeq: c.seq, table: { schema: t.schema, name: t.name }, pk: c.pk, kind: c.kind,
        origin: c.origin, version: c.version, result: last.get(key(c)) !== i ? 'superseded' : keptLocal.has(i) ? 'kept_local' : 'applied',
      };
    });
  });
}
