import type { PlaygroundRecording } from '../scenario/exportScenario';
import { customFunctionName, type Scenario, type ScenarioReplica, type ScenarioRule } from '../scenario/scenarioModel';
import type { SqlPort } from '../sql';
import type { ConflictRule } from '../sync/types';

/**
 * How a playground is set up, in the scenario file's vocabulary (so a playground can always be exported as a
 * scenario that reproduces it): schema, seed, replicas and rules. The steps taken afterwards are recorded apart.
 */
export type PlaygroundSetup = Omit<PlaygroundRecording, 'steps'>;

export function setupOf(scenario: Scenario): PlaygroundSetup {
  const { name, schema, seed, replicas, rules } = scenario;
  return { name, schema, seed, replicas, rules };
}

export function withReplicas(setup: PlaygroundSetup, replicas: readonly ScenarioReplica[]): PlaygroundSetup {
  return { ...setup, replicas };
}

/**
 * The scenario rules as engine rules. A `custom` rule carries the SQL that creates its function: it is installed
 * on the hub first, and the engine gets the function's name.
 */
export async function engineRules(rules: readonly ScenarioRule[], hub: SqlPort): Promise<ConflictRule[]> {
  const out: ConflictRule[] = [];
  for (const r of rules) {
    const fn = r.function !== undefined ? customFunctionName(r.function) : undefined;
    if (r.function !== undefined) await hub.exec(r.function);
    const [schema, name] = r.table?.includes('.') ? r.table.split('.', 2) : ['public', r.table];
    out.push({
      ...(r.table !== undefined ? { table: { schema: schema!, name: name! } } : {}),
      ...(r.conflict !== undefined ? { conflict: r.conflict } : {}),
      strategy: r.strategy,
      ...(fn ? { function: fn } : {}),
    });
  }
  return out;
}
