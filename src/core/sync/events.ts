/**
 * Sync events: what `Playground.sync()` yields, one at a time, and what the timeline keeps.
 *
 * Pausing is safe: events are yielded only BETWEEN transactions. A pushed batch is one hub transaction; its
 * events (op applied, conflict detected/resolved, …) are buffered and yielded after it commits. A pulled batch is
 * one replica transaction, likewise. So a caller paused on an event holds no lock and no open transaction; an
 * event always describes something that has happened (committed). For finer steps, use `batchSize: 1`: each op is
 * then its own transaction, and the events of op N are seen before op N+1 is pushed.
 */
import type { ConflictOutcome, ConflictType, ManualChoice, OpKind, OpStatus, RowImage, Strategy, TableRef } from './types';
import type { LinkConditions } from './replicaLink';

/** Fields every event has. */
export interface EventBase {
  /** Position in the timeline (1, 2, 3…); deterministic for the same inputs. */
  readonly seq: number;
  /** The playground clock when the event happened, ISO 8601 (simulated time in scenarios). */
  readonly at: string;
  /** The replica the event is about; `hub` for hub-only events. */
  readonly replica: string;
}

export interface SyncStartedEvent extends EventBase {
  readonly type: 'sync_started';
  /** Ops waiting to be pushed (pending + sent). */
  readonly queued: number;
  /** The replica's change cursor (last hub change seq it has). */
  readonly cursor: number;
}

/** Sync was asked for an offline replica: nothing happened. */
export interface SyncSkippedEvent extends EventBase {
  readonly type: 'sync_skipped';
  readonly reason: 'offline';
}

export interface BatchPushedEvent extends EventBase {
  readonly type: 'batch_pushed';
  /** 1-based batch number within this sync. */
  readonly batch: number;
  readonly opIds: readonly string[];
  /** Ops in this batch the hub had already applied (a re-send after an interruption): not applied again. */
  readonly alreadyApplied: number;
}

interface OpEventFields {
  readonly opId: string;
  readonly table: TableRef;
  readonly pk: RowImage;
  readonly kind: OpKind;
}

export interface OpAppliedEvent extends EventBase, OpEventFields {
  readonly type: 'op_applied';
  /** The hub row version after the op (0 after a delete of a row that had none). */
  readonly version: number;
}

export interface ConflictDetectedEvent extends EventBase, OpEventFields {
  readonly type: 'conflict_detected';
  readonly conflictId: number;
  readonly conflict: ConflictType;
  readonly strategy: Strategy;
  readonly base: RowImage | null;
  readonly hub: RowImage | null;
  readonly incoming: RowImage | null;
}

export interface ConflictResolvedEvent extends EventBase, OpEventFields {
  readonly type: 'conflict_resolved';
  readonly conflictId: number;
  readonly conflict: ConflictType;
  readonly strategy: Strategy;
  readonly outcome: ConflictOutcome;
  /** The hub row after resolution (null = no row); absent while parked. */
  readonly result?: RowImage | null;
  /** Set when a person resolved it. */
  readonly choice?: 'hub' | 'incoming' | 'edited';
  readonly reason: string;
}

export interface OpDiscardedEvent extends EventBase, OpEventFields {
  readonly type: 'op_discarded';
  readonly reason: string;
}

export interface OpRejectedEvent extends EventBase, OpEventFields {
  readonly type: 'op_rejected';
  readonly error: string;
  /** SQLSTATE when the hub raised one (23503 foreign key, 23514 check, 23505 unique…). */
  readonly code?: string;
}

/** A push of the op failed for a reason that may pass (not a constraint); it will be retried, or is now `failed`. */
export interface OpFailedEvent extends EventBase, OpEventFields {
  readonly type: 'op_failed';
  readonly error: string;
  readonly code?: string;
  readonly retries: number;
  /** `pending` = will be retried on the next sync; `failed` = gave up. */
  readonly status: Extract<OpStatus, 'pending' | 'failed'>;
}

export interface ChangePulledEvent extends EventBase {
  readonly type: 'change_pulled';
  /** The hub change log sequence number. */
  readonly changeSeq: number;
  readonly table: TableRef;
  readonly pk: RowImage;
  readonly kind: OpKind;
  /** The replica (or `hub`) whose write this change is. */
  readonly origin: string;
  readonly version: number;
  /**
   * `applied`: written to the replica. `kept_local`: the replica has unpushed ops on that row, so its local row
   * stays (the op's own resolution at the hub will come back later). `superseded`: a later change of the same
   * row in the same pulled batch was applied instead.
   */
  readonly result: 'applied' | 'kept_local' | 'superseded';
}

export interface SyncFinishedEvent extends EventBase {
  readonly type: 'sync_finished';
  readonly pushed: number;
  readonly applied: number;
  readonly conflicts: number;
  readonly discarded: number;
  readonly rejected: number;
  readonly failed: number;
  readonly pulled: number;
  readonly cursor: number;
  /** True when the replica still has something to push or pull (e.g. ops to retry). */
  readonly moreToDo: boolean;
}

/** Events outside a sync, recorded in the same timeline. */
export interface ReplicaStateEvent extends EventBase {
  readonly type: 'replica_online' | 'replica_offline';
}

/** A replica joined the live playground as a copy of the hub as it was then (addReplica.ts), not a replay of history. */
export interface ReplicaAddedEvent extends EventBase {
  readonly type: 'replica_added';
  /** Rows copied from the hub, over every tracked table. */
  readonly rows: number;
  /** The hub's latest change when it was copied: the replica pulls only what comes after. */
  readonly cursor: number;
  readonly clockSkewMs: number;
}

/** A replica left the playground: unregistered at the hub; what it had pushed stays. */
export interface ReplicaRemovedEvent extends EventBase {
  readonly type: 'replica_removed';
  /** Ops still in its queue (pending, sent or failed), lost with it; absent when its database could not be read. */
  readonly lostOps?: number;
}

/** A replica's link to the hub changed (Set Link Conditions, a `link` step): its syncs go through it from here on. */
export interface LinkChangedEvent extends EventBase {
  readonly type: 'link_changed';
  /** The new conditions (replicaLink.ts); absent: the perfect link. */
  readonly link?: LinkConditions;
}

/** A sync over a flaky link lost a round trip to the hub; it is tried again after a wait (linkSync.ts). */
export interface SyncRetriedEvent extends EventBase {
  readonly type: 'sync_retry';
  /** The attempt that failed (1 = the first). */
  readonly attempt: number;
  /** The wait before the next attempt (doubles each time, up to a cap). */
  readonly delayMs: number;
  readonly error: string;
  readonly code?: string;
}

/** A sync over a flaky link failed on every attempt: nothing is lost, the replica's ops wait in its queue. */
export interface SyncGaveUpEvent extends EventBase {
  readonly type: 'sync_gave_up';
  readonly attempts: number;
  /** Ops still queued (pending or sent). */
  readonly waiting: number;
  readonly error: string;
}

export interface ManualResolutionEvent extends EventBase {
  readonly type: 'conflict_resolved_manually';
  readonly conflictId: number;
  readonly opId: string;
  readonly choice: ManualChoice;
  readonly result: RowImage | null;
}

/** Everything `sync()` can yield. */
export type SyncEvent =
  | SyncStartedEvent
  | SyncSkippedEvent
  | BatchPushedEvent
  | OpAppliedEvent
  | ConflictDetectedEvent
  | ConflictResolvedEvent
  | OpDiscardedEvent
  | OpRejectedEvent
  | OpFailedEvent
  | ChangePulledEvent
  | SyncFinishedEvent;

/** Everything the timeline holds. */
export type TimelineEvent =
  | SyncEvent
  | ReplicaStateEvent
  | ReplicaAddedEvent
  | ReplicaRemovedEvent
  | LinkChangedEvent
  | SyncRetriedEvent
  | SyncGaveUpEvent
  | ManualResolutionEvent;

export type TimelineEventType = TimelineEvent['type'];

/** What `sync()` returns when it completes (same figures as its `sync_finished` event). */
export type SyncSummary = Omit<SyncFinishedEvent, keyof EventBase | 'type'> & { readonly skipped: boolean };

/** An event before the timeline numbered it. */
export type UnnumberedEvent = TimelineEvent extends infer E ? (E extends TimelineEvent ? Omit<E, 'seq'> : never) : never;
