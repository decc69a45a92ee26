/**
 * The hub side of a push: one batch of ops from one replica in ONE hub transaction.
 *
 * 1. Lock the batch's row keys (advisory transaction locks, in key order: several replicas may push at once to
 *    a real PostgreSQL hub, and a key with no row yet cannot be locked with FOR UPDATE).
 * 2. Drop ops the hub already processed (a re-send after an interruption): their recorded result is returned.
 * 3. Several ops on one row apply in capture order: the batch is cut into rounds, round k holding the k-th op of
 *    each row. Each round is set-based: classify against row versions, resolve the (usually few) conflicts,
 *    log them, apply all writes with one statement per table, record the applied op ids.
 */
import type { Queryable } from '../sql';
import type { DbError } from '../errors';
import type { ConflictRule, ConflictType, OpKind, OpStatus, RowImage, Strategy } from './types';
import type { UnnumberedEvent } from './events';
import { decide, type ConflictFacts, type Decision } from './resolve';
import { strategyFor } from './rules';
import { applyWrites } from './hubApply';
import { applyOpWrites, type OpWrite } from './hubWrite';
import type { TableEntry } from './tracking';
import { callCustom, fetchRows, hubShape, misfit, refreshRows, VERSION_BY_KEY } from './hubRows';
import { parseHlc } from './hlc';

/** An op as pushed to the hub. */
export interface PushOp {
  readonly opId: string;
  readonly tableId: number;
  readonly pk: RowImage;
  readonly kind: OpKind;
  readonly before: RowImage | null;
  readonly after: RowImage | null;
  readonly baseVersion: number;
  readonly hlc: string;
  /**
   * base version + local changes of the row since (for higher_version_wins). Only conflicts need it: when absent,
   * `PushContext.claims` is asked for the conflicting ops' claims.
   */
  readonly claim?: number;
  readonly retries: number;
}

/** The hub's answer for one op. */
export interface OpResult {
  readonly opId: string;
  readonly status: OpStatus;
  readonly retries: number;
  readonly error: string | null;
  readonly errorCode: string | null;
}

export interface PushContext {
  readonly replica: string;
  readonly tables: readonly TableEntry[];
  readonly rules: readonly ConflictRule[];
  readonly defaultStrategy: Strategy;
  readonly maxRetries: number;
  readonly nowMs: number;
  readonly at: string;
  /** Claims of ops sent without one (read from the replica's queue when a conflict needs them). */
  readonly claims?: (ops: readonly PushOp[]) => Promise<Map<string, number>>;
  /**
   * False when the hub runs one transaction at a time (PGlite: its port serialises them), so no other push can
   * touch the batch's keys and the key locks are skipped. Default true (a real PostgreSQL hub).
   */
  readonly concurrentHub?: boolean;
}

export interface PushOutcome {
  readonly results: OpResult[];
  readonly alreadyApplied: number;
  /** Events of the batch in order (batch_pushed first); the caller numbers them in the timeline. */
  readonly events: UnnumberedEvent[];
}

interface RowState {
  version: string | number;
  origin: string;
  chain_base: string | number;
  hlc: string;
  deleted: boolean;
  col_hlc: Record<string, string>;
}


const keyOf = (tableId: number, pk: RowImage) => `${tableId}:${JSON.stringify(pk)}`;
const isConstraint = (e: DbError) => (e.code ?? '').startsWith('23');

function classify(op: PushOp, v: RowState | undefined, replica: string): ConflictType | undefined {
  const exists = !!v && !v.deleted;
  const seen = !!v && (Number(v.version) === op.baseVersion || (v.origin === replica && Number(v.chain_base) <= op.baseVersion));
  if (op.kind === 'insert') return exists ? 'insert_exists' : undefined;
  if (op.kind === 'update') {
    if (!exists) return v?.deleted ? 'update_deleted' : 'update_missing';
    return seen ? undefined : 'update_origin_differs';
  }
  if (!exists) return 'delete_missing';
  return seen ? undefined : 'delete_origin_differs';
}

/** Pushes one batch; returns per-op results and the batch's events. Runs inside the caller's hub transaction. */
export async function pushBatch(tx: Queryable, ctx: PushContext, batchNo: number, ops: readonly PushOp[]): Promise<PushOutcome> {
  const tableById = new Map(ctx.tables.map((t) => [t.id, t]));
  await tx.query(
    `SELECT set_config('sync.applying', 'on', true), set_config('TimeZone', 'UTC', true)`,
  );
  await tx.query('UPDATE _sync.clock SET physical_ms = $1', [ctx.nowMs]);
  const maxHlc = ops.reduce((m, o) => (o.hlc > m ? o.hlc : m), '');
  if (maxHlc) {
    const h = parseHlc(maxHlc);
    await tx.query('SELECT _sync.hlc_observe($1, $2)', [h.wall, h.counter]);
  }
  // 1. lock keys in a stable order (no deadlock between two replicas pushing overlapping keys)
  if (ctx.concurrentHub !== false) await tx.query(
    `SELECT pg_advisory_xact_lock(k) FROM (SELECT DISTINCT hashtextextended(x, 0) AS k
       FROM jsonb_array_elements_text($1::jsonb) x ORDER BY 1) s`,
    [JSON.stringify([...new Set(ops.map((o) => keyOf(o.tableId, o.pk)))])],
  );
  // 2. already processed
  const done = await tx.query<{ op_id: string; status: OpStatus; error: string | null; error_code: string | null }>(
    'SELECT op_id, status, error, error_code FROM _sync.applied_ops WHERE op_id = ANY($1::text[])',
    [ops.map((o) => o.opId)],
  );
  const known = new Map(done.rows.map((r) => [r.op_id, r]));
  const results = new Map<string, OpResult>();
  for (const r of done.rows) results.set(r.op_id, { opId: r.op_id, status: r.status, retries: 0, error: r.error, errorCode: r.error_code });
  const fresh = ops.filter((o) => !known.has(o.opId));
  const events: UnnumberedEvent[] = [
    { type: 'batch_pushed', at: ctx.at, replica: ctx.replica, batch: batchNo, opIds: ops.map((o) => o.opId), alreadyApplied: known.size },
  ];
  // 3. rounds: the k-th op of each row in round k
  const rounds: PushOp[][] = [];
  const depth = new Map<string, number>();
  for (const op of fresh) {
    const k = keyOf(op.tableId, op.pk);
    const d = depth.get(k) ?? 0;
    depth.set(k, d + 1);
    (rounds[d] ??= []).push(op);
  }
  const { nested: stage, columns: hubColumns } = await hubShape(tx, [...new Set(fresh.map((o) => o.tableId))]);
  for (const round of rounds) {
    await pushRound(tx, ctx, tableById, round, results, events, stage, hubColumns);
  }
  return { results: ops.map((o) => results.get(o.opId)!), alreadyApplied: known.size, events };
}

async function pushRound(
  tx: Queryable,
  ctx: PushContext,
  tableById: Map<number, TableEntry>,
  ops: readonly PushOp[],
  results: Map<string, OpResult>,
  events: UnnumberedEvent[],
  stage: boolean,
  hubColumns: Map<number, Set<string>>,
): Promise<void> {
  // an op whose row has columns the hub table lacks (or lacks columns it has) cannot be written without losing data
  const misfits = new Map<number, string>();
  ops.forEach((op, i) => {
    const why = misfit(op, tableById.get(op.tableId)!, hubColumns.get(op.tableId), ctx.replica);
    if (why) misfits.set(i, why);
  });
  const staged = ops.map((o, i) => ({ table_id: o.tableId, pk: o.pk, op_id: o.opId, hlc: o.hlc, ord: i }));
  // when a write can cause others (a cascade, a user trigger), the hub triggers record every write and learn
  // from `_sync.staged` which op made it; otherwise the engine's writes record their own versions (hubWrite.ts)
  if (stage) {
    await tx.query(
      `INSERT INTO _sync.staged (table_id, pk, op_id, origin, hlc, ord)
       SELECT x.table_id, x.pk, x.op_id, $2, x.hlc, x.ord
       FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, op_id text, hlc text, ord int)`,
      [JSON.stringify(staged), ctx.replica],
    );
  }
  const state = await tx.query<RowState & { ord: number }>(
    `SELECT x.ord, v.version, v.origin, v.chain_base, v.hlc, v.deleted, v.col_hlc
     FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, ord int)
     ${VERSION_BY_KEY}`,
    [JSON.stringify(staged)],
  );
  const stateOf = new Map(state.rows.map((r) => [r.ord, r]));
  const types = ops.map((o, i) => (misfits.has(i) ? undefined : classify(o, stateOf.get(i), ctx.replica)));
  const claimOf = await claimsFor(ctx, ops.filter((_, i) => types[i]));

  // hub rows of the conflicting ops (for the conflict log and the row-level strategies)
  const hubRows = await fetchRows(tx, tableById, ops.map((o, i) => ({ i, tableId: o.tableId, pk: o.pk })).filter((x) => types[x.i]));
  const decisions = new Map<number, { type: ConflictType; strategy: Strategy; facts: ConflictFacts; decision: Decision }>();
  for (let i = 0; i < ops.length; i++) {
    const type = types[i];
    if (!type) continue;
    const op = ops[i]!;
    const t = tableById.get(op.tableId)!;
    const v = stateOf.get(i);
    const facts: ConflictFacts = {
      type,
      kind: op.kind,
      pk: op.pk,
      replica: ctx.replica,
      incomingHlc: op.hlc,
      hubHlc: v?.hlc ?? null,
      claim: claimOf(op),
      hubVersion: v ? Number(v.version) : 0,
      base: op.before,
      hub: hubRows.get(i) ?? null,
      incoming: op.after,
      colHlc: v?.col_hlc ?? null,
    };
    const rule = strategyFor(ctx.rules, ctx.defaultStrategy, t, type);
    let custom: RowImage | null | undefined;
    let customError: DbError | undefined;
    if (rule.strategy === 'custom' && type !== 'delete_missing') {
      try {
        custom = await callCustom(tx, rule.function!, facts);
      } catch (e) {
        customError = e as DbError;
        custom = null;
      }
    }
    let decision = decide(facts, rule.strategy, custom);
    if (customError) decision = { ...decision, reason: `the custom function failed: ${customError.message}` };
    decisions.set(i, { type, strategy: rule.strategy, facts, decision });
  }

  // writes: clean ops as they are, conflicts as decided
  const writes: OpWrite[] = [];
  ops.forEach((op, i) => {
    const d = decisions.get(i);
    if (misfits.has(i)) return;
    const w = { i, tableId: op.tableId, pk: op.pk, opId: op.opId, hlc: op.hlc };
    if (!d) writes.push({ ...w, action: op.kind === 'delete' ? 'delete' : 'upsert', row: op.after });
    else if (d.decision.action !== 'none') writes.push({ ...w, action: d.decision.action, row: d.decision.row });
  });
  // the hub triggers record what the writes cause; without such side effects the writes record themselves
  const written = stage
    ? { versions: new Map<number, number>(), failures: await applyWrites(tx, ctx.tables, writes) }
    : await applyOpWrites(tx, ctx.tables, ctx.replica, writes);
  const failures = new Map(written.failures.map((f) => [f.i, f.error]));

  // a unique key refused a clean write: that is insert_exists / update_exists, resolved by its rule
  const uniqueConflicts = [...failures].filter(([i, err]) => !decisions.has(i) && err.code === '23505' && ops[i]!.kind !== 'delete');
  const uniqueClaimOf = await claimsFor(ctx, uniqueConflicts.map(([i]) => ops[i]!));
  for (const [i, err] of uniqueConflicts) {
    const op = ops[i]!;
    const type: ConflictType = op.kind === 'insert' ? 'insert_exists' : 'update_exists';
    const t = tableById.get(op.tableId)!;
    const strategy = strategyFor(ctx.rules, ctx.defaultStrategy, t, type).strategy;
    const v = stateOf.get(i);
    const facts: ConflictFacts = {
      type, kind: op.kind, pk: op.pk, replica: ctx.replica, incomingHlc: op.hlc, hubHlc: v?.hlc ?? null, claim: uniqueClaimOf(op),
      hubVersion: v ? Number(v.version) : 0, base: op.before, hub: null, incoming: op.after, colHlc: v?.col_hlc ?? null,
    };
    // the other row holds the unique value: only keeping the hub or parking is possible without deleting it
    const decision: Decision =
      strategy === 'manual'
        ? { outcome: 'parked', action: 'none', row: null, reason: `waiting for a person: ${err.message}` }
        : strategy === 'hub_wins'
          ? { outcome: 'kept_hub', action: 'none', row: null, reason: `hub_wins keeps the hub's rows: ${err.message}` }
          : { outcome: 'rejected', action: 'none', row: null, reason: `cannot apply without violating a unique key: ${err.message}` };
    decisions.set(i, { type, strategy, facts, decision });
    if (strategy !== 'manual' && strategy !== 'hub_wins') continue;
    failures.delete(i); // parked or discarded, not rejected
  }

  // statuses
  const status = new Map<number, OpResult>();
  const refresh: number[] = [];
  ops.forEach((op, i) => {
    const err = failures.get(i);
    const d = decisions.get(i);
    let s: OpStatus;
    let error: string | null = null;
    let code: string | null = null;
    let retries = op.retries;
    const misfitWhy = misfits.get(i);
    if (misfitWhy) {
      s = 'rejected';
      error = misfitWhy;
      code = '42703'; // undefined_column
    } else if (err) {
      error = err.message;
      code = err.code ?? null;
      if (isConstraint(err)) s = 'rejected';
      else {
        retries += 1;
        s = retries >= ctx.maxRetries ? 'failed' : 'pending';
      }
    } else if (!d) s = 'applied';
    else if (d.decision.outcome === 'parked') s = 'conflict';
    else if (d.decision.outcome === 'rejected') {
      s = 'rejected';
      error = d.decision.reason;
    } else if (d.decision.outcome === 'kept_hub' || d.decision.outcome === 'skipped') s = 'discarded';
    else s = 'applied';
    // a lost or refused op: send the replica the hub's row back so it converges
    if ((s === 'discarded' || s === 'rejected') || (s === 'applied' && d && d.decision.action === 'none')) refresh.push(i);
    status.set(i, { opId: op.opId, status: s, retries, error, errorCode: code });
  });

  // conflict log, in op order
  const conflictIdx = [...decisions.keys()].sort((a, b) => a - b);
  const conflictIds = new Map<number, number>();
  if (conflictIdx.length) {
    const rows = conflictIdx.map((i) => {
      const { type, strategy, facts, decision } = decisions.get(i)!;
      const op = ops[i]!;
      const st = status.get(i)!;
      const rejected = st.status === 'rejected';
      const outcome = rejected ? 'rejected' : decision.outcome;
      const hasResult = outcome !== 'parked';
      return {
        ord: i, op_id: op.opId, type, table_id: op.tableId, pk: op.pk, op_kind: op.kind, base: facts.base, hub: facts.hub,
        incoming: facts.incoming, strategy, outcome, result: hasResult && !rejected ? decision.row : rejected ? facts.hub : null,
        has_result: hasResult, hub_hlc: facts.hubHlc, incoming_hlc: op.hlc, claim: facts.claim, error: rejected ? (st.error ?? decision.reason) : null,
        merge: decision.merge ?? null, reason: decision.reason,
      };
    });
    const ins = await tx.query<{ id: string; ord: number }>(
      `INSERT INTO _sync.conflicts (op_id, replica, type, table_id, pk, op_kind, base, hub, incoming, strategy, outcome,
         result, has_result, hub_hlc, incoming_hlc, claim, error, merge, reason)
       SELECT x.op_id, $2, x.type, x.table_id, x.pk, x.op_kind, nullif(x.base, 'null'), nullif(x.hub, 'null'),
         nullif(x.incoming, 'null'), x.strategy, x.outcome, nullif(x.result, 'null'), x.has_result, x.hub_hlc,
         x.incoming_hlc, x.claim, x.error, nullif(x.merge, 'null'), x.reason
       FROM jsonb_to_recordset($1::jsonb) x(ord int, op_id text, type text, table_id int, pk jsonb, op_kind text,
         base jsonb, hub jsonb, incoming jsonb, strategy text, outcome text, result jsonb, has_result boolean,
         hub_hlc text, incoming_hlc text, claim bigint, error text, merge jsonb, reason text)
       ORDER BY x.ord
       RETURNING id, (SELECT 0) AS ord`,
      [JSON.stringify(rows), ctx.replica],
    );
    const ids = ins.rows.map((r) => Number(r.id)).sort((a, b) => a - b);
    conflictIdx.forEach((i, n) => conflictIds.set(i, ids[n]!));
  }

  // versions after the round, for the events
  // (the writes returned theirs; an applied op that changed nothing keeps the row's version)
  const versionOf = written.versions;
  const unchanged = staged.filter((x) => status.get(x.ord)!.status === 'applied' && !versionOf.has(x.ord));
  if (unchanged.length) {
    const versions = await tx.query<{ ord: number; version: string }>(
      `SELECT x.ord, v.version FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, ord int)
       ${VERSION_BY_KEY}`,
      [JSON.stringify(unchanged)],
    );
    for (const r of versions.rows) versionOf.set(r.ord, Number(r.version));
  }

  // the hub remembers every op it processed (not the ones to retry), so a re-send is never applied twice
  const processed = ops
    .map((op, i) => ({ i, op, st: status.get(i)! }))
    .filter((x) => x.st.status !== 'pending' && x.st.status !== 'failed');
  if (processed.length) {
    await tx.query(
      `INSERT INTO _sync.applied_ops (op_id, replica, status, conflict_id, error, error_code)
       SELECT x.op_id, $2, x.status, x.conflict_id, x.error, x.error_code
       FROM jsonb_to_recordset($1::jsonb) x(i int, op_id text, status text, conflict_id bigint, error text, error_code text)
       ORDER BY x.i`,
      [
        JSON.stringify(processed.map(({ i, op, st }) => ({ i, op_id: op.opId, status: st.status, conflict_id: conflictIds.get(i) ?? null, error: st.error, error_code: st.errorCode }))),
        ctx.replica,
      ],
    );
  }
  await refreshRows(tx, ctx, tableById, refresh.map((i) => ({ i, tableId: ops[i]!.tableId, pk: ops[i]!.pk })));
  if (stage) await tx.query('DELETE FROM _sync.staged');

  // events, in op order
  ops.forEach((op, i) => {
    const st = status.get(i)!;
    const t = tableById.get(op.tableId)!;
    const base = { at: ctx.at, replica: ctx.replica, opId: op.opId, table: { schema: t.schema, name: t.name }, pk: op.pk, kind: op.kind };
    const d = decisions.get(i);
    if (d) {
      const conflictId = conflictIds.get(i)!;
      events.push({ ...base, type: 'conflict_detected', conflictId, conflict: d.type, strategy: d.strategy, base: d.facts.base, hub: d.facts.hub, incoming: d.facts.incoming });
      const outcome = st.status === 'rejected' ? 'rejected' : d.decision.outcome;
      events.push({
        ...base, type: 'conflict_resolved', conflictId, conflict: d.type, strategy: d.strategy, outcome,
        ...(outcome === 'parked' ? {} : { result: st.status === 'rejected' ? d.facts.hub : d.decision.row }),
        reason: st.status === 'rejected' && st.error ? st.error : d.decision.reason,
      });
    }
    if (st.status === 'applied') events.push({ ...base, type: 'op_applied', version: versionOf.get(i) ?? 0 });
    else if (st.status === 'discarded') events.push({ ...base, type: 'op_discarded', reason: d?.decision.reason ?? '' });
    else if (st.status === 'rejected') events.push({ ...base, type: 'op_rejected', error: st.error ?? '', ...(st.errorCode ? { code: st.errorCode } : {}) });
    else if (st.status === 'pending' || st.status === 'failed') {
      events.push({ ...base, type: 'op_failed', error: st.error ?? '', ...(st.errorCode ? { code: st.errorCode } : {}), retries: st.retries, status: st.status });
    }
    results.set(op.opId, st);
  });
}

/** The claims of `ops` (theirs when sent with one, else asked for in one call); a lookup for those ops. */
async function claimsFor(ctx: PushContext, ops: readonly PushOp[]): Promise<(op: PushOp) => number> {
  const missing = ops.filter((o) => o.claim === undefined);
  const fetched = missing.length && ctx.claims ? await ctx.claims(missing) : new Map<string, number>();
  return (op) => op.claim ?? fetched.get(op.opId) ?? op.baseVersion + 1;
}
