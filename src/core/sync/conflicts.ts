/**
 * The conflict log at the hub: reading it, previewing a resolution, and a person's resolution of a parked
 * conflict (one hub transaction; nothing changes when the chosen row is refused).
 */
import type { Queryable, SqlPort } from '../sql';
import { InvalidInputError } from '../errors';
import type { ManualResolutionEvent } from './events';
import type { ConflictRecord, ConflictRule, ManualChoice, RowImage, ResolutionPreview, Strategy } from './types';
import { decide, decideManually, type ConflictFacts } from './resolve';
import { strategyFor } from './rules';
import { applyWrites, fetchRowsSql } from './hubApply';
import type { TableEntry } from './tracking';
import { qualified } from './ident';
import { refreshRows } from './hubRows';
import { appendEvents } from './timeline';

interface ConflictRow {
  id: string;
  op_id: string;
  replica: string;
  type: ConflictRecord['type'];
  table_id: number;
  pk: RowImage;
  op_kind: ConflictRecord['opKind'];
  base: RowImage | null;
  hub: RowImage | null;
  incoming: RowImage | null;
  strategy: Strategy;
  outcome: ConflictRecord['outcome'];
  result: RowImage | null;
  has_result: boolean;
  hub_hlc: string | null;
  incoming_hlc: string;
  claim: string;
  error: string | null;
  choice: ConflictRecord['choice'];
  merge: ConflictRecord['merge'] | null;
}

export async function readConflicts(
  hub: Queryable,
  tables: readonly TableEntry[],
  q: { replica?: string; open?: boolean; id?: number },
): Promise<ConflictRecord[]> {
  const r = await hub.query<ConflictRow>(
    `SELECT * FROM _sync.conflicts WHERE ($1::text IS NULL OR replica = $1) AND (NOT $2 OR outcome = 'parked')
       AND ($3::bigint IS NULL OR id = $3) ORDER BY id`,
    [q.replica ?? null, q.open ?? false, q.id ?? null],
  );
  const byId = new Map(tables.map((t) => [t.id, t]));
  return r.rows.map((x) => {
    const t = byId.get(x.table_id);
    return {
      id: Number(x.id), opId: x.op_id, replica: x.replica, type: x.type, table: { schema: t?.schema ?? '?', name: t?.name ?? '?' },
      pk: x.pk, base: x.base, hub: x.hub, incoming: x.incoming, opKind: x.op_kind, strategy: x.strategy, outcome: x.outcome,
      ...(x.has_result ? { result: x.result } : {}), hubHlc: x.hub_hlc, incomingHlc: x.incoming_hlc, claim: Number(x.claim), error: x.error, choice: x.choice,
      ...(x.merge ? { merge: x.merge } : {}),
    };
  });
}

function tableOf(tables: readonly TableEntry[], c: ConflictRecord): TableEntry {
  const t = tables.find((x) => x.schema === c.table.schema && x.name === c.table.name);
  if (!t) throw new InvalidInputError(`Conflict #${c.id} is on a table that is not tracked.`, 'conflictId');
  return t;
}

/** The facts as they are NOW at the hub (the hub row may have moved since detection). */
async function currentFacts(q: Queryable, t: TableEntry, c: ConflictRecord): Promise<ConflictFacts> {
  const row = await q.query<{ row: RowImage }>(fetchRowsSql(t), [JSON.stringify([{ i: 0, pk: c.pk }])]);
  const v = await q.query<{ version: string; hlc: string; col_hlc: Record<string, string> }>(
    'SELECT version, hlc, col_hlc FROM _sync.row_version WHERE table_id = $1 AND pk = $2::jsonb',
    [t.id, JSON.stringify(c.pk)],
  );
  const vr = v.rows[0];
  return {
    type: c.type, kind: c.opKind, pk: c.pk, replica: c.replica, incomingHlc: c.incomingHlc, hubHlc: vr?.hlc ?? null,
    claim: c.claim, hubVersion: vr ? Number(vr.version) : 0, base: c.base, hub: row.rows[0]?.row ?? null, incoming: c.incoming,
    colHlc: vr?.col_hlc ?? null,
  };
}

export async function previewResolution(
  hub: SqlPort,
  tables: readonly TableEntry[],
  rules: readonly ConflictRule[],
  defaultStrategy: Strategy,
  c: ConflictRecord,
  how: ManualChoice | { readonly strategy: Strategy },
): Promise<ResolutionPreview> {
  const t = tableOf(tables, c);
  const f = await currentFacts(hub, t, c);
  if (typeof how === 'object' && 'strategy' in how) {
    let custom: RowImage | null | undefined;
    if (how.strategy === 'custom') {
      const fn = strategyFor(rules, defaultStrategy, t, c.type).function;
      if (!fn) throw new InvalidInputError(`No custom function is configured for ${t.name} / ${c.type}.`, 'strategy');
      const r = await hub.query<{ r: RowImage | null }>(`SELECT ${qualified(fn)}($1::jsonb, $2::jsonb, $3::jsonb, $4::text) AS r`, [
        f.base && JSON.stringify(f.base), f.hub && JSON.stringify(f.hub), f.incoming && JSON.stringify(f.incoming), f.type,
      ]);
      custom = r.rows[0]?.r ?? null;
    }
    const d = decide(f, how.strategy, custom);
    return { outcome: d.outcome, row: d.row, reason: d.reason, ...(d.merge ? { merge: d.merge } : {}) };
  }
  const d = decideManually(f, how);
  return { outcome: d.outcome, row: d.action === 'delete' ? null : d.row, reason: d.reason };
}

export async function resolveManually(
  hub: SqlPort,
  tables: readonly TableEntry[],
  c: ConflictRecord,
  choice: ManualChoice,
  at: string,
): Promise<ManualResolutionEvent> {
  if (c.outcome !== 'parked') throw new InvalidInputError(`Conflict #${c.id} is not waiting for a person (it is ${c.outcome}).`, 'conflictId');
  const t = tableOf(tables, c);
  return hub.transaction(async (tx) => {
    await tx.query(`SELECT set_config('sync.applying', 'on', true), set_config('TimeZone', 'UTC', true)`);
    await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${t.id}:${JSON.stringify(c.pk)}`]);
    const still = await tx.query<{ outcome: string }>('SELECT outcome FROM _sync.conflicts WHERE id = $1 FOR UPDATE', [c.id]);
    if (still.rows[0]?.outcome !== 'parked') throw new InvalidInputError(`Conflict #${c.id} was resolved meanwhile.`, 'conflictId');
    const f = await currentFacts(tx, t, c);
    const d = decideManually(f, choice);
    if (d.action !== 'none') {
      // taking the incoming op writes as that op (its origin and HLC); an edited row is a hub write
      if (choice === 'incoming') {
        await tx.query('INSERT INTO _sync.staged (table_id, pk, op_id, origin, hlc, ord) VALUES ($1, $2::jsonb, $3, $4, $5, 0)', [
          t.id, JSON.stringify(c.pk), c.opId, c.replica, c.incomingHlc,
        ]);
      }
      const failures = await applyWrites(tx, [t], [{ i: 0, tableId: t.id, action: d.action, pk: c.pk, row: d.row }]);
      await tx.query('DELETE FROM _sync.staged');
      if (failures.length) throw failures[0]!.error; // the person sees why; the conflict stays parked
    }
    if (d.action === 'none' || choice !== 'incoming') {
      await refreshRows(tx, { replica: c.replica }, new Map([[t.id, t]]), [{ i: 0, tableId: t.id, pk: c.pk }]);
    }
    const result = d.action === 'delete' ? null : d.row;
    const label = typeof choice === 'string' ? choice : 'edited';
    await tx.query(
      `UPDATE _sync.conflicts SET outcome = 'resolved_manually', choice = $2, result = $3::jsonb, has_result = true, reason = $4 WHERE id = $1`,
      [c.id, label, result && JSON.stringify(result), d.reason],
    );
    await tx.query(`UPDATE _sync.applied_ops SET status = $2 WHERE op_id = $1`, [c.opId, choice === 'hub' ? 'discarded' : 'applied']);
    const [e] = await appendEvents(tx, [
      { type: 'conflict_resolved_manually', at, replica: c.replica, conflictId: c.id, opId: c.opId, choice, result },
    ]);
    return e as ManualResolutionEvent;
  });
}
