/**
 * A playground: one hub and N replicas, each its own database behind a SqlPort. The entry point of the engine.
 *
 *   const pg = await Playground.create({ hub, replicas: [{ name: 'A', db: a }, { name: 'B', db: b }], clock });
 *   await pg.applySchema('CREATE TABLE todo (id int PRIMARY KEY, title text, done bool)');
 *   await pg.replica('A').exec(`INSERT INTO todo VALUES (1, 'milk', false)`);   // captured into A's oplog
 *   for await (const e of pg.sync('A')) console.log(e.type);                     // or: await pg.syncToEnd('A')
 *
 * All state lives in the databases (`_sync` schemas), so `Playground.open()` on the same databases continues
 * where a previous process stopped: queues, cursors, clocks, rules, conflicts and the timeline.
 */
import type { SqlPort } from '../sql';
import type { Clock } from './clock';
import type { ManualResolutionEvent, SyncEvent, SyncSummary, TimelineEvent, TimelineEventType } from './events';
import type {
  ConflictRecord,
  ConflictType,
  TableRef,
  ConflictRule,
  ManualChoice,
  ResolutionPreview,
  Strategy,
  TrackedTable,
} from './types';
import type { Replica } from './replica';

/** One replica to create. */
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
  /** Only parked (manual) conflicts still waiting for a person. */
  readonly open?: boolean;
}

/** API skeleton: the implementation replaces this declaration with the same signatures. */
export declare class Playground {
  /** Installs `_sync` on the hub and every replica (fresh databases) and registers the replicas at the hub. */
  static create(options: CreateOptions): Promise<Playground>;
  /** Re-opens a playground from its databases. */
  static open(options: OpenOptions): Promise<Playground>;

  readonly hub: SqlPort;
  readonly clock: Clock;
  readonly settings: PlaygroundSettings;
  readonly replicas: readonly Replica[];
  replica(name: string): Replica;

  /**
   * Runs user DDL on the hub, then on every replica, and starts tracking every user table it finds (capture
   * triggers on replicas, version tracking on the hub). Refuses tables without a primary key (InvalidInputError,
   * nothing is installed: the DDL is rolled back). Rows already in hub tables become version 1 at the hub.
   */
  applySchema(sql: string): Promise<readonly TrackedTable[]>;
  /** Runs SQL on the hub (captured as hub writes), then copies the hub's changes to every replica (not captured). */
  seed(sql: string): Promise<void>;
  /** The tables being synced. */
  tables(): readonly TrackedTable[];

  rules(): readonly ConflictRule[];
  /** Replaces the rules (stored at the hub). Validates them; `custom` functions must exist on the hub. */
  setRules(rules: readonly ConflictRule[]): Promise<void>;
  /** The strategy that applies to a table and conflict type under the current rules. */
  strategyFor(table: TableRef | string, conflict: ConflictType): Strategy;

  /** Pushes the replica's queue and pulls the hub's changes, yielding events; returns the summary. */
  sync(replica: string, options?: SyncOptions): AsyncGenerator<SyncEvent, SyncSummary, void>;
  /** `sync()` run to the end. */
  syncToEnd(replica: string, options?: SyncOptions): Promise<SyncSummary>;
  /** Syncs every online replica in order, repeating until nothing is left to do (max `rounds`, default 10). */
  syncAll(rounds?: number): Promise<void>;

  /** Conflict log, in detection order. */
  conflicts(query?: ConflictQuery): Promise<readonly ConflictRecord[]>;
  conflict(id: number): Promise<ConflictRecord>;
  /** What resolving a conflict would do, without doing it: by a person's choice, or by a strategy. */
  preview(conflictId: number, how: ManualChoice | { readonly strategy: Strategy }): Promise<ResolutionPreview>;
  /** Resolves a parked conflict. The op becomes `applied` (or `discarded` for `hub`) at the hub and, on its next sync, at the replica. */
  resolve(conflictId: number, choice: ManualChoice): Promise<ManualResolutionEvent>;

  /** The timeline, in order. */
  timeline(query?: TimelineQuery): Promise<readonly TimelineEvent[]>;
  /** Op ids the hub has processed (applied, discarded, rejected or parked), in processing order. */
  processedOpIds(): Promise<readonly string[]>;

  /** Closes nothing it was given: the caller owns the databases. */
  dispose(): void;
}
