/**
 * One replica: its database, its queue and its online state. Writes made through `exec`/`query` (or any other
 * connection to the same database) are captured by triggers into `_sync.oplog`.
 */
import type { Queryable, QueryResult, Row, SqlPort } from '../sql';
import type { Clock } from './clock';
import type { Op, OpStatus, QueueCounts, RowImage } from './types';
import { OP_STATUSES } from './types';
import { REPLICA_SCHEMA_SQL, SYNC_FORMAT } from './schemaSql';
import type { TableEntry } from './tracking';

/**
 * Ops pushed but not yet answered are `sent`. Rather than rewriting every op of a batch to `sent` before the push
 * and again to its result (two updates of each queued row, with its images and indexes: ~15% of a sync), the
 * replica keeps the range of seqs in flight, `[lo, hi]` (empty when lo > hi), in one meta row: a `pending` op inside
 * it reads as `sent`. A push widens the range (`$1` first seq, `$2` last: ops of an interrupted push stay `sent`);
 * recording a batch's results moves `lo` past its last seq (`$1`), in the same transaction as the results.
 */
const IN_FLIGHT_KEY = 'in_flight';
export const IN_FLIGHT_MARK_SQL = `INSERT INTO _sync.meta AS m (key, value) VALUES ('${IN_FLIGHT_KEY}', jsonb_build_array($1::bigint, $2::bigint))
  ON CONFLICT (key) DO UPDATE SET value = CASE WHEN (m.value ->> 0)::bigint > (m.value ->> 1)::bigint THEN EXCLUDED.value
    ELSE jsonb_build_array(least((m.value ->> 0)::bigint, $1::bigint), greatest((m.value ->> 1)::bigint, $2::bigint)) END`;
export const IN_FLIGHT_SETTLED_SQL = `UPDATE _sync.meta SET value = jsonb_build_array($1::bigint + 1, (value ->> 1)::bigint)
  WHERE key = '${IN_FLIGHT_KEY}'`;
const IN_FLIGHT = `LEFT JOIN (SELECT (value ->> 0)::bigint AS lo, (value ->> 1)::bigint AS hi FROM _sync.meta
  WHERE key = '${IN_FLIGHT_KEY}') f ON o.status = 'pending' AND o.seq BETWEEN f.lo AND f.hi`;
/** An op's status as the user sees it: `pending` inside the in-flight range reads `sent`. */
const STATUS = `CASE WHEN f.lo IS NOT NULL THEN 'sent' ELSE o.status END AS status`;

interface OpRow {
  seq: string;
  table_id: number;
  pk: RowImage;
  kind: Op['kind'];
  before: RowImage | null;
  after: RowImage | null;
  changed: string[] | null;
  base_version: string;
  hlc: string;
  status: OpStatus;
  retries: number;
  error: string | null;
}

/** Installs a replica's `_sync` schema as replica `name` (inside the caller's transaction). */
export async function installReplicaSchema(tx: Queryable, name: string, skewMs: number, physicalMs = 0): Promise<void> {
  await tx.exec(REPLICA_SCHEMA_SQL);
  await tx.query('INSERT INTO _sync.clock (node, skew_ms, physical_ms) VALUES ($1, $2, $3)', [name, skewMs, physicalMs]);
  await tx.query(`INSERT INTO _sync.meta VALUES ('name', to_jsonb($1::text)), ('format', to_jsonb($2::int))`, [name, SYNC_FORMAT]);
}

export class Replica {
  #online: boolean;
  #skew: number;

  /** @internal Built by Playground. */
  constructor(
    readonly name: string,
    readonly db: SqlPort,
    private readonly clock: Clock,
    private readonly tables: () => readonly TableEntry[],
    state: { online: boolean; skewMs: number },
  ) {
    this.#online = state.online;
    this.#skew = state.skewMs;
  }

  /** Offline replicas are skipped by sync. */
  get online(): boolean {
    return this.#online;
  }

  get clockSkewMs(): number {
    return this.#skew;
  }

  /** Sets the replica's physical time (playground clock; the skew is applied in SQL). */
  async tickPhysical(): Promise<void> {
    await this.db.query('UPDATE _sync.clock SET physical_ms = $1', [this.clock.now()]);
  }

  /**
   * Runs user SQL on this replica, captured. Sets the replica's physical time (playground clock + skew) first, so
   * the HLCs of its writes follow the playground clock.
   */
  async exec(sql: string): Promise<QueryResult[]> {
    await this.tickPhysical();
    return this.db.exec(sql);
  }

  /** One parameterised statement, captured like `exec`. */
  async query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    await this.tickPhysical();
    return this.db.query<R>(sql, params);
  }

  /** @internal Playground records the change in the timeline. */
  async setOnlineState(online: boolean): Promise<void> {
    await this.db.query(`UPDATE _sync.meta SET value = to_jsonb($1::boolean) WHERE key = 'online'`, [online]);
    this.#online = online;
  }

  /** This replica's physical clock = playground clock + `ms`. */
  async setClockSkew(ms: number): Promise<void> {
    if (!Number.isFinite(ms)) throw new RangeError(`Clock skew must be a number of milliseconds, not ${ms}.`);
    await this.db.query('UPDATE _sync.clock SET skew_ms = $1', [Math.trunc(ms)]);
    this.#skew = Math.trunc(ms);
  }

  /** The queue in capture order, optionally only some statuses. */
  async ops(statuses?: readonly OpStatus[]): Promise<readonly Op[]> {
    const r = await this.db.query<OpRow>(
      `SELECT * FROM (SELECT seq, table_id, pk, kind, before, after, changed, base_version, hlc, ${STATUS}, retries, error
                      FROM _sync.oplog o ${IN_FLIGHT}) q
       WHERE $1::text[] IS NULL OR status = ANY($1) ORDER BY seq`,
      [statuses ? [...statuses] : null],
    );
    const byId = new Map(this.tables().map((t) => [t.id, t]));
    return r.rows.map((x) => {
      const t = byId.get(x.table_id);
      return {
        opId: `${this.name}:${x.seq}`, replica: this.name, seq: Number(x.seq),
        table: { schema: t?.schema ?? '?', name: t?.name ?? `#${x.table_id}` },
        pk: x.pk, kind: x.kind, before: x.before, after: x.after, changed: x.changed, baseVersion: Number(x.base_version),
        hlc: x.hlc, status: x.status, retries: x.retries, error: x.error,
      };
    });
  }

  async counts(): Promise<QueueCounts> {
    const r = await this.db.query<{ status: OpStatus; n: number }>(`SELECT ${STATUS}, count(*)::int AS n FROM _sync.oplog o ${IN_FLIGHT} GROUP BY 1`);
    const out = Object.fromEntries(OP_STATUSES.map((s) => [s, 0])) as QueueCounts;
    for (const x of r.rows) out[x.status] = x.n;
    return out;
  }

  /** The last hub change seq this replica has pulled. */
  async cursor(): Promise<number> {
    const r = await this.db.query<{ c: string }>(`SELECT value::text AS c FROM _sync.meta WHERE key = 'cursor'`);
    return Number(r.rows[0]?.c ?? 0);
  }

  /** Puts a `failed` (or `rejected`) op back to `pending` with its retries reset. */
  async retry(opId: string): Promise<void> {
    const seq = this.#seqOf(opId);
    await this.db.query(
      `UPDATE _sync.oplog SET status = 'pending', retries = 0, error = NULL, error_code = NULL
       WHERE seq = $1 AND status IN ('failed', 'rejected')`,
      [seq],
    );
  }

  #seqOf(opId: string): number {
    const prefix = `${this.name}:`;
    if (!opId.startsWith(prefix)) throw new RangeError(`Op ${opId} is not an op of replica ${this.name}.`);
    return Number(opId.slice(prefix.length));
  }
}
