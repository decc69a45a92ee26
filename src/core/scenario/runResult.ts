import type { ExpectationResult } from './expectations';
import type { JsonRow } from './snapshot';

/**
 * What running a scenario produced. JSON-safe and deterministic: the CLI's `--json` prints it as is, so the same
 * file always gives byte-identical output (no wall-clock times, no random ids).
 */

/** One line of the timeline: a step the runner took, or an event the sync engine yielded during a step. */
export interface TimelineEntry {
  /** Index of the step in the scenario (0-based). */
  readonly step: number;
  /** The simulated time (ISO) when it happened. */
  readonly at: string;
  /** `step:sql`, `step:offline`, … for the runner's own steps; the engine's event type otherwise. */
  readonly type: string;
  /** The replica concerned, when there is one. */
  readonly replica?: string;
  /** One line for people. */
  readonly text: string;
}

/** A detected conflict, in detection order. */
export interface ConflictSummary {
  readonly type: string;
  readonly table: string;
  /** The row's primary key (column → value). */
  readonly key: unknown;
  readonly strategy: string;
  /** What the strategy did, e.g. incoming applied, hub kept, merged, parked for a person, resolved. */
  readonly outcome: string;
  /** The replica that pushed the conflicting operation. */
  readonly replica?: string;
}

export interface ReplicaResult {
  readonly online: boolean;
  readonly tables: Record<string, JsonRow[]>;
  /** Operation counts per queue status. */
  readonly queue: Record<string, number>;
}

export interface ScenarioRunResult {
  /** True when every expectation held and every step ran. */
  readonly ok: boolean;
  readonly name: string;
  /** Set when a step could not run (bad SQL in a step, resolve of a conflict that is not open, …); the run stopped there. */
  readonly error?: string;
  readonly hub: Record<string, JsonRow[]>;
  readonly replicas: Record<string, ReplicaResult>;
  readonly conflicts: ConflictSummary[];
  readonly timeline: TimelineEntry[];
  readonly expectations: (ExpectationResult & { readonly step: number; readonly line?: number })[];
}
