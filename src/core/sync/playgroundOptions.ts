/** The Playground's options and queries (playground.ts re-exports them). */
import type { SqlPort } from '../sql';
import type { Clock } from './clock';
import type { TimelineEventType } from './events';
import type { ConflictRule, Strategy } from './types';

export interface ReplicaSpec {
  /** 1-63 characters: letters, digits, `_`, `-`, `.`; not `hub`. Used in op ids and HLCs. */
  readonly name: string;
  readonly db: SqlPort;
  /** This replica's physical clock = playground clock + skew (may be negative). Default 0. */
  readonly clockSkewMs?: number;
}

/** Settings kept at the hub (so `open()` restores them). */
export interface PlaygroundSettings {
  /** Strategy when no rule matches. Default `last_writer_wins`. */
  readonly defaultStrategy: Strategy;
  /** Ops per pushed batch (one hub transaction each) and changes per pulled batch. Default 500. */
  readonly batchSize: number;
  /** Failed pushes of an op before it is `failed`. Default 3. */
  readonly maxRetries: number;
}

export interface CreateOptions extends Partial<PlaygroundSettings> {
  readonly hub: SqlPort;
  readonly replicas: readonly ReplicaSpec[];
  /** Where "now" comes from. Default: a SimulatedClock at 2025-01-01T00:00:00Z. */
  readonly clock?: Clock;
  readonly rules?: readonly ConflictRule[];
}

export interface OpenOptions {
  readonly hub: SqlPort;
  /** The replicas' databases by name; every replica registered at the hub must be given. */
  readonly replicas: Readonly<Record<string, SqlPort>>;
  /** Default: a SimulatedClock at the latest time the playground recorded. */
  readonly clock?: Clock;
}

export interface SyncOptions {
  /** Override the batch size for this sync (1 = one transaction per op, the finest step mode). */
  readonly batchSize?: number;
  /** Push only, or pull only. Default both (push first, then pull). */
  readonly direction?: 'both' | 'push' | 'pull';
  /**
   * Simulate a network failure after the hub committed a batch but before the replica heard back: the sync stops
   * with the batch's ops still `sent`. The next sync re-sends them; the hub does not apply them twice.
   */
  readonly loseAckAfterBatch?: number;
}

export interface TimelineQuery {
  readonly replica?: string;
  readonly types?: readonly TimelineEventType[];
  /** Only events with seq > afterSeq. */
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface ConflictQuery {
  readonly replica?: string;
  /** One conflict by id. */
  readonly id?: number;
  /** Only parked (manual) conflicts still waiting for a person. */
  readonly open?: boolean;
}
