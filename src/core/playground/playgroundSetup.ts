import type { PlaygroundRecording } from '../scenario/exportScenario';
import type { Scenario, ScenarioReplica } from '../scenario/scenarioModel';

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
