/**
 * One replica: its database, its queue and its online state. Writes made through `exec`/`query` (or any other
 * connection to the same database) are captured by triggers into `_sync.oplog`.
 */
import type { QueryResult, Row, SqlPort } from '../sql';
import type { Op, OpStatus, QueueCounts } from './types';

export declare class Replica {
  readonly name: string;
  readonly db: SqlPort;
  /** Offline replicas are skipped by sync. */
  readonly online: boolean;
  readonly clockSkewMs: number;

  /**
   * Runs user SQL on this replica, captured. Sets the replica's physical time (playground clock + skew) first, so
   * the HLCs of its writes follow the playground clock.
   */
  exec(sql: string): Promise<QueryResult[]>;
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;

  setOnline(online: boolean): Promise<void>;
  setClockSkew(ms: number): Promise<void>;

  /** The queue in capture order, optionally only some statuses. */
  ops(statuses?: readonly OpStatus[]): Promise<readonly Op[]>;
  counts(): Promise<QueueCounts>;
  /** The last hub change seq this replica has pulled. */
  cursor(): Promise<number>;
  /** Puts a `failed` (or `rejected`) op back to `pending` with its retries reset. */
  retry(opId: string): Promise<void>;
}
