/**
 * The native replication monitor's SQL, by server version. Each part is read on its own: a server that is too
 * old for a view, or a role that may not read it, yields a note for that part and the other parts still show.
 */
import type {
  PublicationInfo,
  ReplicationSlotInfo,
  ReplicationSnapshot,
  Section,
  SubscriptionInfo,
  SubscriptionStatsInfo,
  WalSenderInfo,
} from '../../core/connections/replicationModel';
import { DbError } from '../../core/errors';
import type { Queryable } from '../../core/sql';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** Reads one section, turning "too old" and "not allowed" into notes. */
async function section<T>(read: () => Promise<T[]>, what: string): Promise<Section<T>> {
  try {
    return { status: 'ok', items: await read() };
  } catch (e) {
    if (DbError.is(e) && e.code === '42501') {
      return { status: 'unavailable', note: `Not allowed to read ${what}: ${e.message}. A superuser or a member of pg_monitor can.` };
    }
    if (DbError.is(e) && (e.code === '42P01' || e.code === '42883' || e.code === '42703')) {
      return { status: 'unavailable', note: `This server has no ${what} (${e.message}).` };
    }
    if (DbError.is(e)) return { status: 'unavailable', note: `Could not read ${what}: ${e.message}` };
    throw e; // a lost connection is not a note: the caller reports it
  }
}

const tooOld = (what: string, need: string): Section<never> => ({
  status: 'unavailable',
  note: `${what} needs PostgreSQL ${need} or later.`,
});

/** The current WAL position; on a standby, the last replayed one (pg_current_wal_lsn fails in recovery). */
const CURRENT_LSN = `CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END`;

async function publications(q: Queryable, v: number): Promise<PublicationInfo[]> {
  const truncate = v >= 110000 ? 'p.pubtruncate' : 'false';
  const pubs = await q.query<{ name: string; all_tables: boolean; ins: boolean; upd: boolean; del: boolean; trunc: boolean }>(
    `SELECT p.pubname AS name, p.puballtables AS all_tables, p.pubinsert AS ins, p.pubupdate AS upd,
            p.pubdelete AS del, ${truncate} AS trunc
       FROM pg_publication p ORDER BY p.pubname`,
  );
  const tables = await q.query<{ pubname: string; t: string }>(
    `SELECT pubname, format('%I.%I', schemaname, tablename) AS t FROM pg_publication_tables ORDER BY 1, 2`,
  );
  return pubs.rows.map((p) => ({
    name: p.name,
    allTables: p.all_tables,
    actions: { insert: p.ins, update: p.upd, delete: p.del, truncate: p.trunc },
    tables: tables.rows.filter((t) => t.pubname === p.name).map((t) => t.t),
  }));
}

async function subscriptions(q: Queryable, v: number): Promise<SubscriptionInfo[]> {
  // pg_subscription is readable column by column (subconninfo holds passwords and is not granted): name them
  const subs = await q.query<{ oid: number; name: string; enabled: boolean; slot: string | null; pubs: string[] }>(
    `SELECT s.oid, s.subname AS name, s.subenabled AS enabled, s.subslotname AS slot, s.subpublications AS pubs
       FROM pg_subscription s
      WHERE s.subdbid = (SELECT oid FROM pg_database WHERE datname = current_database())
      ORDER BY s.subname`,
  );
  // the leader apply worker only: table sync workers have relid, parallel apply workers (16+) a leader_pid
  const leader = v >= 160000 ? 'relid IS NULL AND leader_pid IS NULL' : 'relid IS NULL';
  const workers = await q.query<{
    subid: number;
    pid: number | null;
    received_lsn: string | null;
    latest_end_lsn: string | null;
    last_msg_receipt_time: Date | null;
    latest_end_time: Date | null;
  }>(
    `SELECT subid, pid, received_lsn::text, latest_end_lsn::text, last_msg_receipt_time, latest_end_time
       FROM pg_stat_subscription WHERE ${leader}`,
  );
  const notReady = await q
    .query<{ subid: number; n: string }>(`SELECT srsubid AS subid, count(*) AS n FROM pg_subscription_rel WHERE srsubstate <> 'r' GROUP BY 1`)
    .then((r) => r.rows)
    .catch(() => []); // not readable by every role; the count is a nicety
  return subs.rows.map((s) => {
    const w = workers.rows.find((x) => x.subid === s.oid && x.pid !== null);
    return {
      name: s.name,
      enabled: s.enabled,
      slotName: s.slot,
      publications: s.pubs,
      tablesNotReady: Number(notReady.find((n) => n.subid === s.oid)?.n ?? 0),
      ...(w
        ? {
            worker: {
              pid: w.pid!,
              receivedLsn: w.received_lsn,
              reportedLsn: w.latest_end_lsn,
              lastMessageReceived: w.last_msg_receipt_time,
              reportedAt: w.latest_end_time,
            },
          }
        : {}),
    };
  });
}

async function slots(q: Queryable, v: number): Promise<ReplicationSlotInfo[]> {
  const walStatus = v >= 130000 ? 'wal_status' : 'NULL::text';
  const r = await q.query<{
    name: string;
    type: string;
    plugin: string | null;
    database: string | null;
    active: boolean;
    retained: string | null;
    wal_status: string | null;
    confirmed: string | null;
  }>(
    `SELECT slot_name AS name, slot_type AS type, plugin, database, active,
            pg_wal_lsn_diff(${CURRENT_LSN}, restart_lsn) AS retained,
            ${walStatus} AS wal_status, confirmed_flush_lsn::text AS confirmed
       FROM pg_replication_slots ORDER BY slot_name`,
  );
  return r.rows.map((s) => ({
    name: s.name,
    type: s.type === 'logical' ? 'logical' : 'physical',
    plugin: s.plugin,
    database: s.database,
    active: s.active,
    retainedWalBytes: num(s.retained),
    walStatus: s.wal_status,
    confirmedFlushLsn: s.confirmed,
  }));
}

async function walSenders(q: Queryable): Promise<WalSenderInfo[]> {
  const ms = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;
  const r = await q.query<Record<string, unknown>>(
    `SELECT pid, application_name, client_addr::text AS client_addr, state,
            sent_lsn::text, write_lsn::text, flush_lsn::text, replay_lsn::text,
            ${ms('write_lag')} AS write_lag, ${ms('flush_lag')} AS flush_lag, ${ms('replay_lag')} AS replay_lag,
            pg_wal_lsn_diff(sent_lsn, replay_lsn) AS replay_bytes, sync_state
       FROM pg_stat_replication ORDER BY application_name, pid`,
  );
  return r.rows.map((x) => ({
    pid: Number(x.pid),
    applicationName: String(x.application_name ?? ''),
    clientAddr: (x.client_addr as string | null) ?? null,
    // roles without pg_read_all_stats see other users' senders with every column but pid hidden
    state: (x.state as string | null) ?? '(hidden: needs pg_read_all_stats)',
    sentLsn: (x.sent_lsn as string | null) ?? null,
    writeLsn: (x.write_lsn as string | null) ?? null,
    flushLsn: (x.flush_lsn as string | null) ?? null,
    replayLsn: (x.replay_lsn as string | null) ?? null,
    writeLagMs: num(x.write_lag),
    flushLagMs: num(x.flush_lag),
    replayLagMs: num(x.replay_lag),
    replayLagBytes: num(x.replay_bytes),
    syncState: String(x.sync_state ?? ''),
  }));
}

async function subscriptionStats(q: Queryable): Promise<SubscriptionStatsInfo[]> {
  // SELECT * on purpose: the counters differ by version (conflict counters arrived in 18) — show what exists
  const r = await q.query<Record<string, unknown>>(`SELECT * FROM pg_stat_subscription_stats ORDER BY subname`);
  return r.rows.map((x) => {
    const conflicts: Record<string, number> = {};
    for (const [k, val] of Object.entries(x)) if (k.startsWith('confl_')) conflicts[k.slice('confl_'.length)] = Number(val);
    return {
      name: String(x.subname),
      applyErrorCount: Number(x.apply_error_count ?? 0),
      syncErrorCount: Number(x.sync_error_count ?? x.sync_table_error_count ?? 0),
      conflicts,
      statsReset: (x.stats_reset as Date | null) ?? null,
    };
  });
}

/** Reads everything the monitor shows, in one go. `serverVersion` is server_version_num. */
export async function readReplication(q: Queryable, serverVersion: number): Promise<ReplicationSnapshot> {
  const v = serverVersion;
  const head = await q.query<{ wal_level: string; lsn: string | null }>(
    v >= 100000
      ? `SELECT current_setting('wal_level') AS wal_level, (${CURRENT_LSN})::text AS lsn`
      : `SELECT current_setting('wal_level') AS wal_level, NULL::text AS lsn`,
  );
  const old = v < 100000;
  return {
    serverVersion: v,
    walLevel: head.rows[0]!.wal_level,
    currentLsn: head.rows[0]!.lsn,
    publications: old ? tooOld('Logical replication (publications)', '10') : await section(() => publications(q, v), 'publications'),
    subscriptions: old ? tooOld('Logical replication (subscriptions)', '10') : await section(() => subscriptions(q, v), 'subscriptions'),
    slots: old ? tooOld('This monitor', '10') : await section(() => slots(q, v), 'replication slots'),
    walSenders: old ? tooOld('This monitor', '10') : await section(() => walSenders(q), 'pg_stat_replication'),
    subscriptionStats:
      v < 150000 ? tooOld('Subscription statistics (pg_stat_subscription_stats)', '15') : await section(() => subscriptionStats(q), 'pg_stat_subscription_stats'),
    readAt: new Date(),
  };
}
