import type { PlaygroundRecording } from '../scenario/exportScenario';
import { exportScenario } from '../scenario/exportScenario';
import type { ScenarioRule } from '../scenario/scenarioModel';
import { ScenarioSession, ScenarioStepError } from '../scenario/scenarioSession';
import type { JsonRow } from '../scenario/snapshot';
import type { SqlPort } from '../sql';
import { displayName, qualified } from '../sync/ident';
import type { ConflictRecord, Strategy, TrackedTable } from '../sync/types';

/** One row that would end up different at the hub. */
export interface WhatIfRowDiff {
  /** The primary key, e.g. `{"id": 3}`. */
  readonly pk: JsonRow;
  /** The hub row now (null: no row). */
  readonly actual: JsonRow | null;
  /** The hub row had the other strategy decided (null: no row). */
  readonly alternative: JsonRow | null;
}

export interface WhatIfResult {
  readonly table: string;
  readonly strategy: Strategy;
  /** Rows of the conflict's table that differ, by key. Empty: the other strategy ends in the same rows. */
  readonly diffs: readonly WhatIfRowDiff[];
  /** Steps that could not run under the other strategy (e.g. resolving a conflict that no longer parks). */
  readonly skippedSteps: number;
}

/**
 * "What if this conflict had been decided by another strategy?" Replays the playground's recording on scratch
 * databases with one extra, most specific rule (the conflict's table and type → `strategy`), then compares the
 * hub's rows of that table with the real hub. The real playground is not touched.
 */
export async function whatIf(
  recording: PlaygroundRecording,
  conflict: ConflictRecord,
  strategy: Strategy,
  actualHub: SqlPort,
  table: TrackedTable,
  openScratch: () => Promise<SqlPort>,
): Promise<WhatIfResult> {
  const rule: ScenarioRule = { table: displayName(conflict.table), conflict: conflict.type, strategy };
  const scenario = exportScenario({ ...recording, name: `${recording.name}-what-if`, rules: [rule, ...recording.rules] });
  const session = await ScenarioSession.start(scenario, { openDatabase: openScratch });
  let skippedSteps = 0;
  try {
    for (const step of scenario.steps) {
      try {
        await session.runStep(step);
      } catch (e) {
        // a resolve step may have nothing to resolve when the conflict no longer parks: go on with the rest
        if (!ScenarioStepError.is(e)) throw e;
        skippedSteps++;
      }
    }
    const [actual, alternative] = await Promise.all([rowsByKey(actualHub, table), rowsByKey(session.playground.hub, table)]);
    const diffs: WhatIfRowDiff[] = [];
    for (const key of new Set([...actual.keys(), ...alternative.keys()])) {
      const a = actual.get(key) ?? null;
      const b = alternative.get(key) ?? null;
      if (JSON.stringify(a) !== JSON.stringify(b)) diffs.push({ pk: JSON.parse(key) as JsonRow, actual: a, alternative: b });
    }
    return { table: displayName(table), strategy, diffs, skippedSteps };
  } finally {
    await session.close();
  }
}

/**
 * The table's rows by primary key (the key as JSON text, columns in key order), as `to_jsonb` gives them: the
 * same form as the engine's row images, so the inspector shows both alike.
 */
async function rowsByKey(db: SqlPort, table: TrackedTable): Promise<Map<string, JsonRow>> {
  const { rows } = await db.query<{ row: JsonRow }>(`SELECT to_jsonb(t) AS row FROM ${qualified(table)} t`);
  const out = new Map<string, JsonRow>();
  for (const { row } of rows) {
    out.set(JSON.stringify(Object.fromEntries(table.pk.map((c) => [c, row[c]]))), row);
  }
  return out;
}
