import { ScenarioSession, ScenarioStepError, type ScenarioRunOptions } from './scenarioSession';
import type { ScenarioRunResult } from './runResult';
import type { Scenario } from './scenarioModel';

/**
 * Runs a whole scenario headless on fresh databases and returns what happened. Deterministic: the same scenario
 * gives the same result. Throws ScenarioInvalidError when setup fails (bad schema/seed SQL, unknown tables) —
 * before any step ran; a step that cannot run stops the run and is reported in `error` (ok = false).
 */
export async function runScenario(scenario: Scenario, options: ScenarioRunOptions): Promise<ScenarioRunResult> {
  const session = await ScenarioSession.start(scenario, options);
  try {
    for (const step of scenario.steps) {
      try {
        await session.runStep(step);
      } catch (e) {
        if (ScenarioStepError.is(e)) return await session.result(e.message);
        throw e;
      }
    }
    return await session.result();
  } finally {
    await session.close();
  }
}
