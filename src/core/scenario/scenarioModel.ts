/**
 * The scenario model: what a `*.syncscenario.json` file says, after validation. The same shape is produced by
 * exportScenario (a playground's steps so far) and consumed by runScenario, so a file, the CLI and the VS Code UI
 * all speak one language.
 */

/** Conflict types, with PostgreSQL 18's names (see DESIGN.md). */
export const CONFLICT_TYPES = [
  'insert_exists',
  'update_origin_differs',
  'update_exists',
  'update_missing',
  'update_deleted',
  'delete_origin_differs',
  'delete_missing',
] as const;
export type ScenarioConflictType = (typeof CONFLICT_TYPES)[number];

/** Resolution strategies a rule can name. */
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
export type ScenarioStrategy = (typeof STRATEGIES)[number];

/** Operation queue statuses (DESIGN.md "Replicas, capture and the operation queue"). */
export const QUEUE_STATUSES = ['pending', 'sent', 'applied', 'conflict', 'rejected', 'failed'] as const;

/** A replica of the hub. */
export interface ScenarioReplica {
  readonly name: string;
  /** How far this replica's physical clock runs ahead (positive) or behind (negative) the simulated clock. */
  readonly clockSkewMs: number;
}

/** One conflict rule. Without table and conflict it is the default rule. */
export interface ScenarioRule {
  readonly table?: string;
  readonly conflict?: ScenarioConflictType;
  readonly strategy: ScenarioStrategy;
  /** For `custom`: SQL that creates the function `(base jsonb, hub jsonb, incoming jsonb, type text) returns jsonb`. */
  readonly function?: string;
}

/** Rows per table, as a file writes them (column → JSON value). */
export type TableRows = Readonly<Record<string, readonly Readonly<Record<string, unknown>>[]>>;

/** What an `expect` step checks. Every present field must hold. */
export interface ScenarioExpectation {
  /** Every replica's tables equal the hub's. */
  readonly converged?: boolean;
  /** Exact rows at the hub per table (order-insensitive). */
  readonly hub?: TableRows;
  /** Exact rows per replica per table. */
  readonly replicas?: Readonly<Record<string, TableRows>>;
  /** Operation counts per replica per queue status; statuses not named are not checked. */
  readonly queue?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Conflict types in detection order (all conflicts so far). */
  readonly conflicts?: readonly ScenarioConflictType[];
}

/** How a person resolves a parked (manual) conflict. */
export type ResolveTake = 'hub' | 'incoming' | { readonly row: Readonly<Record<string, unknown>> };

/** One step. `comment` is free text a file may carry to explain the step; it is echoed in reports. */
export type ScenarioStep =
  | { readonly kind: 'sql'; readonly replica: string; readonly sql: string; readonly comment?: string }
  | { readonly kind: 'offline'; readonly replica: string; readonly comment?: string }
  | { readonly kind: 'online'; readonly replica: string; readonly comment?: string }
  | { readonly kind: 'sync'; readonly replica: string; readonly comment?: string }
  | { readonly kind: 'syncAll'; readonly comment?: string }
  | { readonly kind: 'advance'; readonly ms: number; readonly comment?: string }
  | { readonly kind: 'resolve'; readonly conflict: number; readonly take: ResolveTake; readonly comment?: string }
  | { readonly kind: 'expect'; readonly expect: ScenarioExpectation; readonly comment?: string };

export type ScenarioStepKind = ScenarioStep['kind'];

/** A validated scenario. */
export interface Scenario {
  readonly name: string;
  readonly description?: string;
  /** DDL run on the hub and on every replica. */
  readonly schema: string;
  /** SQL run on the hub after the schema; the resulting rows are copied to every replica. */
  readonly seed: string;
  readonly replicas: readonly ScenarioReplica[];
  readonly rules: readonly ScenarioRule[];
  readonly steps: readonly ScenarioStep[];
  /** The file the scenario came from, for messages. */
  readonly fileName?: string;
  /** 1-based line of each step in the file, when parsed from text (same index as `steps`). */
  readonly stepLines?: readonly (number | undefined)[];
}

/** The moment every scenario's simulated clock starts at, so runs are reproducible. */
export const SCENARIO_EPOCH_MS = Date.UTC(2025, 0, 1, 0, 0, 0, 0);

/** The step back in the file's JSON form (the inverse of parsing), for export and for reports. */
export function stepToJson(step: ScenarioStep): Record<string, unknown> {
  const c = step.comment !== undefined ? { comment: step.comment } : {};
  switch (step.kind) {
    case 'sql':
      return { replica: step.replica, sql: step.sql, ...c };
    case 'offline':
      return { offline: step.replica, ...c };
    case 'online':
      return { online: step.replica, ...c };
    case 'sync':
      return { sync: step.replica, ...c };
    case 'syncAll':
      return { syncAll: true, ...c };
    case 'advance':
      return { advanceMs: step.ms, ...c };
    case 'resolve':
      return { resolve: { conflict: step.conflict, take: step.take }, ...c };
    case 'expect':
      return { expect: step.expect, ...c };
  }
}

/** The scenario in its file form: `JSON.stringify(scenarioToJson(s), null, 2)` is a valid `*.syncscenario.json`. */
export function scenarioToJson(s: Scenario): Record<string, unknown> {
  return {
    name: s.name,
    ...(s.description !== undefined ? { description: s.description } : {}),
    schema: s.schema,
    seed: s.seed,
    replicas: s.replicas.map((r) => (r.clockSkewMs ? { name: r.name, clockSkewMs: r.clockSkewMs } : { name: r.name })),
    rules: s.rules.map((r) => ({ ...r })),
    steps: s.steps.map(stepToJson),
  };
}
