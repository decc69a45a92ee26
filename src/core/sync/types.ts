/**
 * The sync engine's domain vocabulary: operations, statuses, conflicts, strategies, rules. The same words are
 * used in the `_sync` tables, in the events, in the UI and in scenario files.
 */

/** A user table, by schema and name (unquoted, exactly as in the catalog). */
export interface TableRef {
  readonly schema: string;
  readonly name: string;
}

/** A row as JSON (what `to_jsonb(row)` gives), keyed by column name. */
export type RowImage = Record<string, unknown>;

/** The kind of a captured write. */
export const OP_KINDS = ['insert', 'update', 'delete'] as const;
export type OpKind = (typeof OP_KINDS)[number];

/**
 * Where an op is in its life.
 * - `pending`: captured, not yet pushed (or pushed and failed transiently, to be retried)
 * - `sent`: pushed, no answer yet (after an interruption it is sent again; the hub never applies it twice)
 * - `applied`: the hub took it (as is, merged, or through a strategy that chose it)
 * - `discarded`: a strategy kept the other side; the hub did not change
 * - `conflict`: parked for a person (strategy `manual`); nothing changed at the hub yet
 * - `rejected`: the hub refused it (foreign key, check, unique key…); `error` says why
 * - `failed`: pushing it failed `maxRetries` times; `error` keeps the last error
 */
export const OP_STATUSES = ['pending', 'sent', 'applied', 'discarded', 'conflict', 'rejected', 'failed'] as const;
export type OpStatus = (typeof OP_STATUSES)[number];

/** Conflict types, with PostgreSQL 18's names. */
export const CONFLICT_TYPES = [
  'insert_exists',
  'update_origin_differs',
  'update_exists',
  'update_missing',
  'update_deleted',
  'delete_origin_differs',
  'delete_missing',
] as const;
export type ConflictType = (typeof CONFLICT_TYPES)[number];

/** How a conflict is resolved. */
export const STRATEGIES = [
  'last_writer_wins',
  'first_writer_wins',
  'hub_wins',
  'replica_wins',
  'higher_version_wins',
  'field_merge',
  'manual',
  'custom',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/**
 * One conflict rule. The most specific matching rule wins: table+conflict > table > conflict > default.
 * `table` is `{schema, name}`; a plain string means a table name in schema `public`.
 */
export interface ConflictRule {
  readonly table?: TableRef | string;
  readonly conflict?: ConflictType;
  readonly strategy: Strategy;
  /**
   * For `custom`: a function installed on the hub, `(base jsonb, hub jsonb, incoming jsonb, conflict_type text)
   * returns jsonb` — the hub row to keep, or NULL to reject the op. Schema-qualified name, unquoted parts
   * (`{schema, name}` or `'name'` in `public`).
   */
  readonly function?: TableRef | string;
}

/** One captured write in a replica's queue (`_sync.oplog`). */
export interface Op {
  /** Deterministic id: `<replica>:<local sequence>`, e.g. `A:12`. */
  readonly opId: string;
  readonly replica: string;
  /** Capture order in this replica. */
  readonly seq: number;
  readonly table: TableRef;
  /** The primary key as JSON, e.g. `{"id": 3}` or `{"org": "x", "n": 1}`. */
  readonly pk: RowImage;
  readonly kind: OpKind;
  /** The row before the write (update/delete), after it (insert/update). */
  readonly before: RowImage | null;
  readonly after: RowImage | null;
  /** Columns whose value changed (update only). */
  readonly changed: readonly string[] | null;
  /** The hub version of the row this replica had seen when it wrote (0 = never seen). */
  readonly baseVersion: number;
  /** HLC of the write, see hlc.ts. */
  readonly hlc: string;
  readonly status: OpStatus;
  readonly retries: number;
  readonly error: string | null;
}

/** Number of ops per status in one queue. */
export type QueueCounts = Record<OpStatus, number>;

/**
 * What a conflict resolution did.
 * - `applied_incoming`: the op's row (or delete) was applied
 * - `kept_hub`: the hub row stayed; the op is discarded
 * - `merged`: field_merge combined both sides
 * - `custom`: the custom function returned a row, which was applied
 * - `rejected`: the resolution could not be applied (custom returned NULL, or the row violates a constraint)
 * - `parked`: waiting for a person (manual)
 * - `resolved_manually`: a person chose (see `choice`)
 * - `skipped`: nothing to do (delete of a row that is already gone)
 */
export const CONFLICT_OUTCOMES = ['applied_incoming', 'kept_hub', 'merged', 'custom', 'rejected', 'parked', 'resolved_manually', 'skipped'] as const;
export type ConflictOutcome = (typeof CONFLICT_OUTCOMES)[number];

/** One row of the hub's conflict log (`_sync.conflicts`). */
export interface ConflictRecord {
  /** Detection order at the hub, 1, 2, 3… */
  readonly id: number;
  readonly opId: string;
  readonly replica: string;
  readonly type: ConflictType;
  readonly table: TableRef;
  readonly pk: RowImage;
  /** The row as the replica saw it before its write (null for inserts). */
  readonly base: RowImage | null;
  /** The hub row when the conflict was detected (null when the hub has none). */
  readonly hub: RowImage | null;
  /** The op's row (null for deletes). */
  readonly incoming: RowImage | null;
  readonly opKind: OpKind;
  readonly strategy: Strategy;
  readonly outcome: ConflictOutcome;
  /** The hub row after resolution (null = deleted / none); undefined while parked. */
  readonly result?: RowImage | null;
  readonly hubHlc: string | null;
  readonly incomingHlc: string;
  /** The op's version claim (base version + local changes since), for higher_version_wins. */
  readonly claim: number;
  /** The error when the outcome is `rejected`. */
  readonly error: string | null;
  /** For `resolved_manually`: what the person took. */
  readonly choice: 'hub' | 'incoming' | 'edited' | null;
  /** Columns decided per column by field_merge, with the side that won each. */
  readonly merge?: Readonly<Record<string, 'hub' | 'incoming' | 'both'>>;
}

/** What a person (or a preview) chooses for a parked conflict. */
export type ManualChoice = 'hub' | 'incoming' | { readonly row: RowImage };

/** What a resolution would do, computed without changing anything. */
export interface ResolutionPreview {
  readonly outcome: ConflictOutcome;
  /** The hub row it would leave (null = no row). */
  readonly row: RowImage | null;
  /** Why, in a sentence (e.g. "incoming HLC … is later than hub HLC …"). */
  readonly reason: string;
  readonly merge?: Readonly<Record<string, 'hub' | 'incoming' | 'both'>>;
}

/** The person's choice that does what a (not rejecting) preview shows: keep the hub row, take the incoming one, or the row it computed. */
export const choiceFromPreview = (p: ResolutionPreview): ManualChoice =>
  p.outcome === 'kept_hub' ? 'hub' : p.outcome === 'applied_incoming' ? 'incoming' : { row: p.row ?? {} };

/** A user table the engine tracks. */
export interface TrackedTable extends TableRef {
  /** Primary key columns, in key order. */
  readonly pk: readonly string[];
  /** Columns written by sync (not generated), in table order. */
  readonly columns: readonly string[];
}
