/**
 * Adding a replica to a live playground, and removing one.
 *
 * A new replica starts as a copy of the hub as it is now, not as a replay of history: its `_sync` schema, the
 * user's schema (the DDL the caller gives, or the DDL the hub recorded when `applySchema` ran), the hub's current
 * rows with their versions (written as pulled rows: not captured), and a cursor at the hub's latest change. It is
 * registered at the hub in the same hub transaction that read the rows and the cursor, so no change falls between
 * the copy and the cursor.
 *
 * The replica's database is set up in ONE transaction that spans the hub's: if anything fails (bad DDL, a table
 * the DDL does not create, a row the copy refuses), the new database is left as it was and the hub forgets the
 * registration again.
 *
 * Removing unregisters the replica at the hub: its queued ops are lost (the UI asks first), what it already pushed
 * stays. The replica's database is the caller's and is left alone.
 *
 * Both are recorded in the timeline (`replica_added`, `replica_removed`) in the hub transaction that registers or
 * unregisters the replica.
 */
import type { Queryable, SqlPort } from '../sql';
import { InvalidInputError } from '../errors';
import type { RowImage } from './types';
import { installReplicaSchema } from './replica';
import { discoverTables, pkJson, registerTables, replicaCaptureSql, type TableEntry } from './tracking';
import { applyWrites } from './hubApply';
import { displayName, qualified } from './ident';
import { parseHlc } from './hlc';
import { appendEvents } from './timeline';

/** Same rule as `Playground.create`: used in op ids and HLCs. */
const REPLICA_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;

/** The hub's `_sync.meta` key holding the DDL `applySchema` ran, in order (so a replica added later gets it). */
export const SCHEMA_LOG_KEY = 'schema_sql';

export interface NewReplica {
  readonly name: string;
  readonly db: SqlPort;
  readonly clockSkewMs?: number;
  /** The user's DDL for the tracked tables. Default: the DDL the hub recorded when the schema was applied. */
  readonly schema?: string;
}

export interface InstallDeps {
  readonly hub: SqlPort;
  readonly tables: readonly TableEntry[];
  /** Names of the replicas the playground has now. */
  readonly existing: readonly string[];
  readonly nowMs: number;
}

interface HubSnapshot {
  readonly rows: Map<number, { pk: RowImage; row: RowImage; version: number }[]>;
  readonly cursor: number;
  readonly hlc: string | null;
}

/** Appends DDL to the hub's schema log (inside `applySchema`'s hub transaction). */
export async function recordSchema(tx: Queryable, sql: string): Promise<void> {
  await tx.query(
    `INSERT INTO _sync.meta (key, value) VALUES ($1, jsonb_build_array($2::text))
     ON CONFLICT (key) DO UPDATE SET value = _sync.meta.value || EXCLUDED.value`,
    [SCHEMA_LOG_KEY, sql],
  );
}

async function recordedSchema(hub: SqlPort): Promise<string | undefined> {
  const r = await hub.query<{ value: string[] }>('SELECT value FROM _sync.meta WHERE key = $1', [SCHEMA_LOG_KEY]);
  return r.rows[0] ? r.rows[0].value.join(';\n') : undefined;
}

/** Sets up and registers a new replica (see the file comment). Throws InvalidInputError for bad input. */
export async function installReplica(d: InstallDeps, spec: NewReplica): Promise<void> {
  const { name, db } = spec;
  if (!REPLICA_NAME.test(name) || name === 'hub') {
    throw new InvalidInputError(`Replica name "${name}" is not allowed: use 1-63 letters, digits, "_", "-" or "." (and not "hub").`, 'name');
  }
  if (d.existing.includes(name)) throw new InvalidInputError(`The playground has a replica named "${name}" already.`, 'name');
  // op ids are `name:seq`: a new replica under a removed one's name would have its ops taken for the old ones
  const known = await d.hub.query('SELECT 1 FROM _sync.applied_ops WHERE replica = $1 LIMIT 1', [name]);
  if (known.rows.length) {
    throw new InvalidInputError(`The hub has ops from an earlier replica named "${name}" (their ids would clash with the new replica's): choose another name.`, 'name');
  }
  const skew = Math.trunc(spec.clockSkewMs ?? 0);
  if (!Number.isFinite(skew)) throw new InvalidInputError(`Clock skew must be a number of milliseconds, not ${spec.clockSkewMs}.`, 'clockSkewMs');
  const schema = spec.schema ?? (await recordedSchema(d.hub));
  if (schema === undefined && d.tables.length) {
    throw new InvalidInputError('This hub has no record of its schema DDL (made by an older version): pass the schema SQL.', 'schema');
  }
  const used = await db.query<{ t: string | null }>(`SELECT to_regclass('_sync.meta')::text AS t`);
  if (used.rows[0]?.t) throw new InvalidInputError(`The database given for replica ${name} belongs to a playground already: give an empty database.`, 'db');

  let registered = false;
  let eventSeq: number | undefined;
  try {
    await db.transaction(async (tx) => {
      await installReplicaSchema(tx, name, skew, d.nowMs);
      if (schema?.trim()) await tx.exec(schema);
      await checkTables(tx, d.tables, name);
      await registerTables(tx, d.tables);
      // rows the DDL itself inserted are replaced by the hub's (the hub's are the truth, with their versions)
      for (const t of [...d.tables].reverse()) await tx.query(`DELETE FROM ${qualified(t)}`);
      for (const t of d.tables) await tx.exec(replicaCaptureSql(t));

      const snap = await d.hub.transaction(async (htx) => {
        const s = await snapshotHub(htx, d.tables);
        await htx.query('INSERT INTO _sync.replicas (name, ord) SELECT $1, coalesce(max(ord), 0) + 1 FROM _sync.replicas', [name]);
        const rows = [...s.rows.values()].reduce((n, rs) => n + rs.length, 0);
        const [ev] = await appendEvents(htx, [{ type: 'replica_added', at: new Date(d.nowMs).toISOString(), replica: name, rows, cursor: s.cursor, clockSkewMs: skew }]);
        eventSeq = ev!.seq;
        return s;
      });
      registered = true;

      await tx.query(`SELECT set_config('sync.applying', 'on', true), set_config('TimeZone', 'UTC', true)`);
      const writes = [...snap.rows].flatMap(([tableId, rs]) => rs.map((r, i) => ({ i, tableId, action: 'upsert' as const, pk: r.pk, row: r.row })));
      const failures = await applyWrites(tx, d.tables, writes);
      if (failures.length) throw failures[0]!.error;
      const meta = [...snap.rows].flatMap(([tableId, rs]) => rs.map((r) => ({ table_id: tableId, pk: r.pk, version: r.version })));
      await tx.query(
        `INSERT INTO _sync.row_meta (table_id, pk, hub_version)
         SELECT x.table_id, x.pk, x.version FROM jsonb_to_recordset($1::jsonb) x(table_id int, pk jsonb, version bigint)`,
        [JSON.stringify(meta)],
      );
      await tx.query(`UPDATE _sync.meta SET value = to_jsonb($1::bigint) WHERE key = 'cursor'`, [snap.cursor]);
      // the new replica has seen everything the hub has: its HLCs come after the hub's
      if (snap.hlc) {
        const h = parseHlc(snap.hlc);
        await tx.query('SELECT _sync.hlc_observe($1, $2)', [h.wall, h.counter]);
      }
      await tx.query(`SELECT set_config('sync.applying', 'off', true)`);
    });
  } catch (e) {
    if (registered) {
      await unregisterReplica(d.hub, name);
      // the replica never joined: its event goes with the registration
      await d.hub.query('DELETE FROM _sync.timeline WHERE first = $1 AND last = $1', [eventSeq]);
    }
    throw e;
  }
}

/** Every tracked table must exist on the new replica with the hub's columns. */
async function checkTables(tx: Queryable, tables: readonly TableEntry[], name: string): Promise<void> {
  const found = await discoverTables(tx);
  for (const t of tables) {
    const f = found.find((x) => x.schema === t.schema && x.name === t.name);
    if (!f) throw new InvalidInputError(`The schema SQL does not create table ${displayName(t)} on replica ${name}.`, 'schema');
    const missing = t.columns.filter((c) => !f.columns.includes(c));
    if (missing.length) {
      throw new InvalidInputError(`Table ${displayName(t)} on replica ${name} lacks column(s) ${missing.join(', ')} that the hub has.`, 'schema');
    }
  }
}

/** The hub's rows with their versions, its latest change seq and its latest HLC, in one snapshot. */
async function snapshotHub(tx: Queryable, tables: readonly TableEntry[]): Promise<HubSnapshot> {
  // one snapshot for every statement below (a real PostgreSQL hub has other writers)
  await tx.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ');
  const rows = new Map<number, { pk: RowImage; row: RowImage; version: number }[]>();
  for (const t of tables) {
    const r = await tx.query<{ pk: RowImage; row: RowImage; version: string | null }>(
      `SELECT p.pk, to_jsonb(h.*) AS row, v.version
       FROM ${qualified(t)} h CROSS JOIN LATERAL (SELECT ${pkJson(t, 'h')} AS pk) p
       LEFT JOIN _sync.row_version v ON v.table_id = $1 AND v.pk = p.pk`,
      [t.id],
    );
    rows.set(t.id, r.rows.map((x) => ({ pk: x.pk, row: x.row, version: Number(x.version ?? 0) })));
  }
  const c = await tx.query<{ cursor: string; hlc: string | null }>(
    `SELECT coalesce((SELECT max(seq) FROM _sync.changes), 0) AS cursor,
            (SELECT _sync.hlc_text(wall, counter, node) FROM _sync.clock) AS hlc`,
  );
  return { rows, cursor: Number(c.rows[0]!.cursor), hlc: c.rows[0]!.hlc };
}

/** How a removal is recorded in the timeline. */
export interface Removal {
  readonly at: string;
  /** Ops still in the replica's queue (lost with it), when its database could be read. */
  readonly lostOps?: number;
}

/**
 * Unregisters a replica at the hub and drops the refreshes addressed to it (nobody will pull them). With `removal`,
 * a `replica_removed` event is recorded in the same transaction (without: undoing a failed add).
 */
export async function unregisterReplica(hub: SqlPort, name: string, removal?: Removal): Promise<void> {
  await hub.transaction(async (tx) => {
    await tx.query('DELETE FROM _sync.replicas WHERE name = $1', [name]);
    await tx.query('DELETE FROM _sync.changes WHERE target = $1', [name]);
    if (removal) {
      await appendEvents(tx, [{ type: 'replica_removed', at: removal.at, replica: name, ...(removal.lostOps !== undefined ? { lostOps: removal.lostOps } : {}) }]);
    }
  });
}
