/**
 * The native replication monitor's model: what a real server says about its logical and physical
 * replication. Each part is a `Section`: either rows, or a note saying why the server cannot show it (too old,
 * missing privileges), so one missing view never hides the others.
 */

/** Rows of one catalog view, or a human-readable reason why there are none to show. */
export type Section<T> =
  | { readonly status: 'ok'; readonly items: readonly T[] }
  | { readonly status: 'unavailable'; readonly note: string };

export interface PublicationInfo {
  readonly name: string;
  readonly allTables: boolean;
  /** Which changes it publishes. */
  readonly actions: { readonly insert: boolean; readonly update: boolean; readonly delete: boolean; readonly truncate: boolean };
  /** `schema.table` of every published table (all of them when `allTables`). */
  readonly tables: readonly string[];
}

export interface SubscriptionInfo {
  readonly name: string;
  readonly enabled: boolean;
  /** Replication slot on the publisher; null when the subscription was created with slot_name = NONE. */
  readonly slotName: string | null;
  readonly publications: readonly string[];
  /**
   * The apply worker, when one runs (pg_stat_subscription, leader apply worker only): LSNs and timestamps as
   * the server reports them. Undefined when no worker runs (disabled, failing, or not yet started).
   */
  readonly worker?: SubscriptionWorker;
  /** Tables still copying their initial data (table sync workers), by state: i init, d data copy, f/s syncing. */
  readonly tablesNotReady: number;
}

export interface SubscriptionWorker {
  readonly pid: number;
  /** Last write-ahead log location received from the publisher. */
  readonly receivedLsn: string | null;
  /** Last location reported back to the publisher (latest_end_lsn). */
  readonly reportedLsn: string | null;
  readonly lastMessageReceived: Date | null;
  readonly reportedAt: Date | null;
}

export interface ReplicationSlotInfo {
  readonly name: string;
  readonly type: 'logical' | 'physical';
  readonly plugin: string | null;
  readonly database: string | null;
  readonly active: boolean;
  /** WAL the server keeps for this slot: current LSN minus restart_lsn, in bytes; null when unknown. */
  readonly retainedWalBytes: number | null;
  /** PG 13+: reserved, extended, unreserved, lost. */
  readonly walStatus: string | null;
  readonly confirmedFlushLsn: string | null;
}

/** One WAL sender (pg_stat_replication): a standby or a subscription streaming from this server. */
export interface WalSenderInfo {
  readonly pid: number;
  readonly applicationName: string;
  readonly clientAddr: string | null;
  /** startup, catchup, streaming, backup, stopping. */
  readonly state: string;
  readonly sentLsn: string | null;
  readonly writeLsn: string | null;
  readonly flushLsn: string | null;
  readonly replayLsn: string | null;
  /** Lags as PostgreSQL reports them (intervals, in ms); null when the server has not measured one yet. */
  readonly writeLagMs: number | null;
  readonly flushLagMs: number | null;
  readonly replayLagMs: number | null;
  /** Bytes between what was sent and what the receiver replayed. */
  readonly replayLagBytes: number | null;
  readonly syncState: string;
}

/** pg_stat_subscription_stats (PG 15+): error counters, and conflict counters on PG 18+. */
export interface SubscriptionStatsInfo {
  readonly name: string;
  readonly applyErrorCount: number;
  readonly syncErrorCount: number;
  /** Counters by conflict type (`insert_exists`, `update_origin_differs`, …) — only those the server has. */
  readonly conflicts: Readonly<Record<string, number>>;
  readonly statsReset: Date | null;
}

/** Everything the monitor shows for one connection, read at one moment. */
export interface ReplicationSnapshot {
  /** server_version_num, e.g. 150014. */
  readonly serverVersion: number;
  /** `wal_level`: logical replication needs `logical`. */
  readonly walLevel: string;
  readonly currentLsn: string | null;
  readonly publications: Section<PublicationInfo>;
  readonly subscriptions: Section<SubscriptionInfo>;
  readonly slots: Section<ReplicationSlotInfo>;
  readonly walSenders: Section<WalSenderInfo>;
  readonly subscriptionStats: Section<SubscriptionStatsInfo>;
  readonly readAt: Date;
}

/** `15.14` from 150014; `9.6.24` style for pre-10 servers. */
export function formatServerVersion(num: number): string {
  if (num >= 100000) return `${Math.floor(num / 10000)}.${num % 10000}`;
  return `${Math.floor(num / 10000)}.${Math.floor(num / 100) % 100}.${num % 100}`;
}

/** Bytes as a person reads them: `0 B`, `12.3 kB`, `4.0 MB`. */
export function formatBytes(n: number | null): string {
  if (n === null) return '—';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** Compares two LSNs (`16/B374D848`). Negative when a < b. */
export function compareLsn(a: string, b: string): number {
  const n = (l: string) => {
    const [hi, lo] = l.split('/');
    return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
  };
  const d = n(a) - n(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
