/**
 * Discarding a queued op: a person drops a local write before it reaches the hub.
 *
 * Convergence is the point. Dropping the op from the queue alone would leave the replica holding a row the hub
 * never sees, so a discard also undoes the write:
 * 1. at once, locally: the row goes back to the op's `before` image (a `pending` op is the row's latest state and
 *    pulls have kept the row local since capture, so `before` is exactly what the replica had). The write is not
 *    captured (`sync.applying`).
 * 2. on the next sync: the hub's current row. While the op was queued, pulls skipped that row (kept local) and the
 *    cursor moved past those changes, so the replica asks the hub for a refresh: a change log entry for this
 *    replica only (`target`), the same mechanism the hub uses when a pushed op loses. The request is kept in the
 *    replica's database (`_sync.refresh_requests`) so it survives going offline and restarts; it is handed to
 *    the hub when the replica is online (now, or at the start of its next sync).
 *
 * Later ops on the same row were written on top of this one (their `before` is this op's `after`): discarding
 * only this one would push them against a row state that never existed. So the discard is refused until they are
 * discarded first (newest first), which keeps each step an exact undo.
 *
 * `failed` ops can be discarded too, but their row is not rolled back locally: a failed op no longer holds its row
 * against pulls, so the row may already hold newer hub data; the refresh alone brings the hub's row.
 */
import type { Queryable, SqlPort } from '../sql';
import { InvalidInputError } from '../errors';
import type { OpDiscardedEvent } from './events';
import type { OpStatus, RowImage } from './types';
import { applyWrites, fetchRowsSql } from './hubApply';
import type { TableEntry } from './tracking';
import { appendEvents } from './timeline';

/** Why the op left the queue, as the timeline and the queue show it. */
export const DISCARD_REASON = 'discarded by a person';

/** Statuses a person may discard: the op has not reached the hub (or gave up trying). */
export const DISCARDABLE: readonly OpStatus[] = ['pending', 'failed'];

const REQUESTS_SQL = `CREATE TABLE IF NOT EXISTS _sync.refresh_requests (
  table_id int NOT NULL,
  pk jsonb NOT NULL,
  PRIMARY KEY (table_id, pk)
)`;

export interface DiscardDeps {
  readonly hub: SqlPort;
  readonly replica: { readonly name: string; readonly db: SqlPort; readonly online: boolean };
  readonly tables: readonly TableEntry[];
  /** ISO time of the event. */
  readonly at: string;
}

export interface DiscardOutcome {
  readonly event: OpDiscardedEvent;
  /** The replica's row was put back to the op's `before` image now (false: it comes from the hub on the next sync). */
  readonly restoredLocally: boolean;
}

interface OpRow {
  seq: string;
  table_id: number;
  pk: RowImage;
  kind: 'insert' | 'update' | 'delete';
  before: RowImage | null;
  status: OpStatus;
}

function seqOf(replica: string, opId: string): number {
  const prefix = `${replica}:`;
  const seq = opId.startsWith(prefix) ? Number(opId.slice(prefix.length)) : NaN;
  if (!Number.isInteger(seq) || seq < 1) throw new InvalidInputError(`Op ${opId} is not an op of replica ${replica}.`, 'opId');
  return seq;
}

/** Discards one `pending` or `failed` op of a replica (see the file comment for what that means). */
export async function discardOp(d: DiscardDeps, opId: string): Promise<DiscardOutcome> {
  const seq = seqOf(d.replica.name, opId);
  const tableById = new Map(d.tables.map((t) => [t.id, t]));
  const local = await d.replica.db.transaction(async (tx) => {
    const r = await tx.query<OpRow>('SELECT seq, table_id, pk, kind, before, status FROM _sync.oplog WHERE seq = $1 FOR UPDATE', [seq]);
    const op = r.rows[0];
    if (!op) throw new InvalidInputError(`Replica ${d.replica.name} has no op ${opId}.`, 'opId');
    if (!DISCARDABLE.includes(op.status)) {
      throw new InvalidInputError(
        `Op ${opId} is ${op.status}: only pending or failed operations can be discarded (a ${op.status} op has reached the hub or is being decided there).`,
        'opId',
      );
    }
    const later = await tx.query<{ seq: string }>(
      `SELECT seq FROM _sync.oplog WHERE table_id = $1 AND pk = $2 AND seq > $3 AND status IN ('pending', 'sent', 'conflict', 'failed') ORDER BY seq`,
      [op.table_id, JSON.stringify(op.pk), seq],
    );
    if (later.rows.length) {
      const ids = later.rows.map((x) => `${d.replica.name}:${x.seq}`).join(', ');
      throw new InvalidInputError(
        `Discard the later op${later.rows.length > 1 ? 's' : ''} on this row first (${ids}): ${later.rows.length > 1 ? 'they were' : 'it was'} written on top of ${opId}.`,
        'opId',
      );
    }
    await tx.query(`UPDATE _sync.oplog SET status = 'discarded', error = $2, error_code = NULL WHERE seq = $1`, [seq, DISCARD_REASON]);
    let restored = false;
    if (op.status === 'pending') {
      // the undo is the engine's write, not the person's: not captured as a new op
      await tx.query(`SELECT set_config('sync.applying', 'on', true)`);
      const failures = await applyWrites(tx, d.tables, [
        { i: 0, tableId: op.table_id, action: op.before ? 'upsert' : 'delete', pk: op.pk, row: op.before },
      ]);
      // a constraint can refuse the old row (its unique value is taken now): then the hub's row settles it
      restored = failures.length === 0;
      await tx.query(`SELECT set_config('sync.applying', 'off', true)`);
    }
    await tx.exec(REQUESTS_SQL);
    await tx.query('INSERT INTO _sync.refresh_requests (table_id, pk) VALUES ($1, $2) ON CONFLICT DO NOTHING', [op.table_id, JSON.stringify(op.pk)]);
    return { op, restored };
  });
  const t = tableById.get(local.op.table_id);
  const [event] = await appendEvents(d.hub, [
    {
      type: 'op_discarded', at: d.at, replica: d.replica.name, opId, table: { schema: t?.schema ?? '?', name: t?.name ?? `#${local.op.table_id}` },
      pk: local.op.pk, kind: local.op.kind, reason: DISCARD_REASON,
    },
  ]);
  if (d.replica.online) await flushRefreshRequests(d.hub, d.replica, d.tables);
  return { event: event as OpDiscardedEvent, restoredLocally: local.restored };
}

/**
 * Hands a replica's refresh requests to the hub: one change log entry per row, for this replica only, holding the
 * hub's current row (or a delete when the hub has none). The replica's next pull applies them like any change.
 * Called when the replica is online: right after a discard, and before each sync.
 */
export async function flushRefreshRequests(
  hub: SqlPort,
  replica: { readonly name: string; readonly db: SqlPort },
  tables: readonly TableEntry[],
): Promise<number> {
  const exists = await replica.db.query<{ t: string | null }>(`SELECT to_regclass('_sync.refresh_requests')::text AS t`);
  if (!exists.rows[0]?.t) return 0;
  const reqs = (await replica.db.query<{ table_id: number; pk: RowImage }>('SELECT table_id, pk FROM _sync.refresh_requests ORDER BY table_id, pk')).rows;
  if (!reqs.length) return 0;
  const keys = reqs.map((r, i) => ({ i, tableId: r.table_id, pk: r.pk }));
  await hub.transaction(async (tx) => {
    const rows = await fetchHubRows(tx, tables, keys);
    await tx.query(
      `INSERT INTO _sync.changes (table_id, pk, kind, row, version, hlc, origin, target)
       SELECT x.table_id, x.pk, CASE WHEN nullif(x.row, 'null') IS NULL THEN 'delete' ELSE 'update' END, nullif(x.row, 'null'),
         coalesce(v.version, 0), coalesce(v.hlc, _sync.hlc_text(0, 0, 'hub')), coalesce(v.origin, 'hub'), $2
       FROM jsonb_to_recordset($1::jsonb) x(i int, table_id int, pk jsonb, row jsonb)
       LEFT JOIN _sync.row_version v ON v.table_id = x.table_id AND v.pk = x.pk
       ORDER BY x.i`,
      [JSON.stringify(keys.map((k) => ({ i: k.i, table_id: k.tableId, pk: k.pk, row: rows.get(k.i) ?? null }))), replica.name],
    );
  });
  // only after the hub committed: a failure in between leaves the requests for the next try (a duplicate refresh is harmless)
  await replica.db.query(
    `DELETE FROM _sync.refresh_requests r USING jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb)
     WHERE r.table_id = x.table_id AND r.pk = x.pk`,
    [JSON.stringify(reqs)],
  );
  return reqs.length;
}

async function fetchHubRows(
  tx: Queryable,
  tables: readonly TableEntry[],
  keys: readonly { i: number; tableId: number; pk: RowImage }[],
): Promise<Map<number, RowImage>> {
  const out = new Map<number, RowImage>();
  for (const t of tables) {
    const ks = keys.filter((k) => k.tableId === t.id);
    if (!ks.length) continue;
    const r = await tx.query<{ i: number; row: RowImage }>(fetchRowsSql(t), [JSON.stringify(ks.map((k) => ({ i: k.i, pk: k.pk })))]);
    for (const x of r.rows) out.set(x.i, x.row);
  }
  return out;
}
