import { validateScenario } from './parseScenario';
import { scenarioToJson, type Scenario, type ScenarioReplica, type ScenarioRule, type ScenarioStep } from './scenarioModel';

/**
 * What a playground did, as far as a scenario file can say it: how it was set up and the steps taken so far.
 * The runner records one as it executes steps; the VS Code UI records one as a person works in the playground.
 */
export interface PlaygroundRecording {
  readonly name: string;
  readonly schema: string;
  readonly seed: string;
  readonly replicas: readonly ScenarioReplica[];
  readonly rules: readonly ScenarioRule[];
  readonly steps: readonly ScenarioStep[];
}

/** Records steps as they are executed, in order. */
export class StepRecorder {
  readonly #steps: ScenarioStep[] = [];

  record(step: ScenarioStep): void {
    this.#steps.push(step);
  }

  get steps(): readonly ScenarioStep[] {
    return [...this.#steps];
  }
}

/**
 * The playground so far as a scenario: its schema, seed, rules and the steps taken. Validated like a file, so
 * what is exported can always be opened again; `scenarioToJson` gives the file's text form.
 */
export function exportScenario(state: PlaygroundRecording): Scenario {
  const json = scenarioToJson({ ...state });
  return validateScenario(json, `${state.name}.syncscenario.json`);
}
