import { displayName, qualified } from '../sync/ident';
import type { Playground } from '../sync/playground';
import type { SqlPort } from '../sql';
import type { ConflictRecord, QueueCounts, TrackedTable } from '../sync/types';
import type { LinkConditions } from '../sync/replicaLink';
import type { StepState } from './syncStepper';

/**
 * What the replication tree and the status bar render: the whole playground at one moment, as plain data.
 * Rebuilt in full on every change (never patched), so a view cannot drift from the databases.
 */
export interface PlaygroundSnapshot {
  readonly name: string;
  readonly hub: DatabaseSnapshot;
  readonly replicas: readonly ReplicaSnapshot[];
  /** Conflicts parked for a person (strategy `manual`), in detection order. */
  readonly openConflicts: readonly ConflictRecord[];
  /** All conflicts so far. */
  readonly conflictCount: number;
  /** The step-mode sync in progress, if any. */
  readonly stepping: StepState | undefined;
  /** The steps recorded so far (what "Export scenario" writes). */
  readonly steps: number;
}

export interface TableCount {
  /** `name`, or `schema.name` outside `public`. */
  readonly table: string;
  readonly rows: number;
}

export interface DatabaseSnapshot {
  /** `hub` or the replica's name. */
  readonly name: string;
  readonly tables: readonly TableCount[];
}

export interface ReplicaSnapshot extends DatabaseSnapshot {
  readonly online: boolean;
  readonly clockSkewMs: number;
  readonly counts: QueueCounts;
  /** Ops not yet settled at the hub: pending + sent. */
  readonly pending: number;
  /** This replica's parked conflicts. */
  readonly openConflicts: number;
  /** Its link to the hub; undefined: the perfect link. */
  readonly link: LinkConditions | undefined;
}

/** Row counts of the tracked tables in one database. */
export async function tableCounts(db: SqlPort, tables: readonly TrackedTable[]): Promise<TableCount[]> {
  if (tables.length === 0) return [];
  // one round trip per database: the tree refreshes on every captured write
  const sql = tables.map((t, i) => `SELECT ${i} AS i, count(*)::int AS n FROM ${qualified(t)}`).join(' UNION ALL ');
  const { rows } = await db.query<{ i: number; n: number }>(sql);
  const byIndex = new Map(rows.map((r) => [Number(r.i), Number(r.n)]));
  return tables.map((t, i) => ({ table: displayName(t), rows: byIndex.get(i) ?? 0 }));
}

export async function buildSnapshot(
  name: string,
  pg: Playground,
  stepping: StepState | undefined,
  steps: number,
): Promise<PlaygroundSnapshot> {
  const tables = pg.tables();
  const [hubTables, all, open] = await Promise.all([tableCounts(pg.hub, tables), pg.conflicts(), pg.conflicts({ open: true })]);
  const replicas: ReplicaSnapshot[] = [];
  for (const r of pg.replicas) {
    const [counts, rt] = await Promise.all([r.counts(), tableCounts(r.db, tables)]);
    replicas.push({
      name: r.name,
      online: r.online,
      clockSkewMs: r.clockSkewMs,
      counts,
      pending: counts.pending + counts.sent,
      openConflicts: open.filter((c) => c.replica === r.name).length,
      link: pg.link(r.name),
      tables: rt,
    });
  }
  return { name, hub: { name: 'hub', tables: hubTables }, replicas, openConflicts: open, conflictCount: all.length, stepping, steps };
}
