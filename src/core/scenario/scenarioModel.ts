import type { ConflictType, Strategy } from '../sync/types';
import type { LinkConditions } from '../sync/replicaLink';

/**
 * The scenario model: what a `*.syncscenario.json` file says, after validation. The same shape is produced by
 * exportScenario (a playground's steps so far) and consumed by runScenario, so a file, the CLI and the VS Code UI
 * all speak one language.
 */

/** The engine's vocabulary is the file's vocabulary: conflict types, strategies and queue statuses come from there. */
export type ScenarioConflictType = ConflictType;
export type ScenarioStrategy = Strategy;

/** What a scenario allows as a replica's name (the hub's name, `hub`, is reserved). */
export const REPLICA_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,30}$/;
export const REPLICA_NAME_RULE = 'must start with a letter and use letters, digits, _ or - (max 31)';

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

/** A person's choice for a parked conflict as a scenario's `resolve.take`. */
export const resolveTakeOf = (c: 'hub' | 'incoming' | { readonly row: Readonly<Record<string, unknown>> }): ResolveTake =>
  typeof c === 'string' ? c : { row: c.row };

/** One step. `comment` is free text a file may carry to explain the step; it is echoed in reports. */
export type ScenarioStep =
  | { readonly kind: 'sql'; readonly replica: string; readonly sql: string; readonly comment?: string }
  | { readonly kind: 'offline'; readonly replica: string; readonly comment?: string }
  | { readonly kind: 'online'; readonly replica: string; readonly comment?: string }
  | {
      readonly kind: 'sync';
      readonly replica: string;
      /** Ops per pushed batch for this sync (step mode uses 1). Default: the playground's. */
      readonly batchSize?: number;
      /** Stop the sync after this many events, as a person stopping a step-mode sync half-way. */
      readonly maxEvents?: number;
      readonly comment?: string;
    }
  | { readonly kind: 'syncAll'; readonly comment?: string }
  | { readonly kind: 'advance'; readonly ms: number; readonly comment?: string }
  | { readonly kind: 'resolve'; readonly conflict: number; readonly take: ResolveTake; readonly comment?: string }
  | { readonly kind: 'expect'; readonly expect: ScenarioExpectation; readonly comment?: string }
  /** Replaces the conflict rules from this step on. */
  | { readonly kind: 'rules'; readonly rules: readonly ScenarioRule[]; readonly comment?: string }
  /** SQL run on the hub, captured as hub writes (a person editing the hub). */
  | { readonly kind: 'hub'; readonly sql: string; readonly comment?: string }
  /** A person discards a queued (pending or failed) op: `opId` is `replica:seq`, as the queue shows it. */
  | { readonly kind: 'discard'; readonly replica: string; readonly opId: string; readonly comment?: string }
  /** A replica joins the live playground as a copy of the hub as it is now (not a replay of history). */
  | { readonly kind: 'addReplica'; readonly replica: string; readonly clockSkewMs?: number; readonly comment?: string }
  /** A replica leaves: unregistered at the hub, its queued ops lost. Its name is not used again. */
  | { readonly kind: 'removeReplica'; readonly replica: string; readonly comment?: string }
  /** The replica's link to the hub from here on (its syncs retry with backoff over it); null: the perfect link. */
  | { readonly kind: 'link'; readonly replica: string; readonly link: LinkConditions | null; readonly comment?: string };

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
  /**
   * 1-based lines in the file, by field path (`schema`, `seed`, `rules[2]`, `steps[3]`), when parsed from text:
   * runtime messages (bad SQL in the schema, a failing step) point back into the file.
   */
  readonly lines?: Readonly<Record<string, number>>;
}

/**
 * The name of the function a custom rule's SQL creates (`CREATE [OR REPLACE] FUNCTION [schema.]name(`), as the
 * engine wants it: `{ schema, name }` unquoted. Undefined when the SQL creates no function.
 */
export function customFunctionName(sql: string): { schema: string; name: string } | undefined {
  const part = String.raw`("(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
  const m = new RegExp(String.raw`\bcreate\s+(?:or\s+replace\s+)?function\s+${part}(?:\s*\.\s*${part})?\s*\(`, 'i').exec(sql);
  if (!m) return undefined;
  const unquote = (x: string) => (x.startsWith('"') ? x.slice(1, -1).replaceAll('""', '"') : x.toLowerCase());
  return m[2] !== undefined ? { schema: unquote(m[1]!), name: unquote(m[2]) } : { schema: 'public', name: unquote(m[1]!) };
}

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
      return {
        sync: step.replica,
        ...(step.batchSize !== undefined ? { batchSize: step.batchSize } : {}),
        ...(step.maxEvents !== undefined ? { maxEvents: step.maxEvents } : {}),
        ...c,
      };
    case 'syncAll':
      return { syncAll: true, ...c };
    case 'advance':
      return { advanceMs: step.ms, ...c };
    case 'resolve':
      return { resolve: { conflict: step.conflict, take: step.take }, ...c };
    case 'expect':
      return { expect: step.expect, ...c };
    case 'rules':
      return { rules: step.rules.map((r) => ({ ...r })), ...c };
    case 'hub':
      return { hub: step.sql, ...c };
    case 'discard':
      return { discard: step.opId, ...c };
    case 'addReplica':
      return { addReplica: step.replica, ...(step.clockSkewMs ? { clockSkewMs: step.clockSkewMs } : {}), ...c };
    case 'removeReplica':
      return { removeReplica: step.replica, ...c };
    case 'link':
      return { link: { replica: step.replica, ...(step.link ? linkToJson(step.link) : { off: true }) }, ...c };
  }
}

/** A link's fields as a file writes them: what differs from the perfect link, and the seed when drops need it. */
function linkToJson(l: LinkConditions): Record<string, unknown> {
  return {
    ...(l.dropRate ? { dropRate: l.dropRate } : {}),
    ...(l.latencyMs ? { latencyMs: l.latencyMs } : {}),
    ...(l.dropRate && l.lose !== 'request' ? { lose: l.lose } : {}),
    ...(l.dropRate ? { seed: l.seed } : {}),
  };
}

/** The replicas after some steps: the scenario's own, then those added, less those removed (in playground order). */
export function replicasAfter(replicas: readonly ScenarioReplica[], steps: readonly ScenarioStep[]): ScenarioReplica[] {
  let out = [...replicas];
  for (const st of steps) {
    if (st.kind === 'addReplica') out.push({ name: st.replica, clockSkewMs: st.clockSkewMs ?? 0 });
    else if (st.kind === 'removeReplica') out = out.filter((r) => r.name !== st.replica);
  }
  return out;
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
