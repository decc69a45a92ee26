import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PlaygroundSession } from '../../../src/core/playground/playgroundSession';
import { setupOf } from '../../../src/core/playground/playgroundSetup';
import { ScenarioPlayer, stepText } from '../../../src/core/playground/scenarioPlayer';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario } from '../../../src/core/scenario/parseScenario';
import { openPgliteFromTemplate } from '../../../src/db/template';

const scenarioFile = (name: string) => {
  const file = path.join(__dirname, '..', '..', '..', 'scenarios', name);
  return parseScenario(readFileSync(file, 'utf8'), name);
};

describe('ScenarioPlayer: a person steps through a sample scenario', function () {
  this.timeout(180_000);

  for (const name of ['todo-app.syncscenario.json', 'strategy-manual.syncscenario.json']) {
    it(`${name}: every step plays in the playground, every expectation holds, and the export replays it`, async () => {
      const scenario = scenarioFile(name);
      const session = await PlaygroundSession.create(setupOf(scenario), { open: () => openPgliteFromTemplate() });
      try {
        const player = new ScenarioPlayer(scenario, session);
        const failed: string[] = [];
        let checks = 0;
        while (!player.done) {
          const played = (await player.playNext())!;
          checks += played.results.length;
          for (const r of played.results) if (!r.ok) failed.push(`step ${played.index} ${played.text}: ${r.message}`);
        }
        assert.deepEqual(failed, []);
        assert.ok(checks > 0, 'the scenario checks something');
        assert.equal(await player.playNext(), undefined);
        // the recording is the scenario's steps without its expectations
        const exported = exportScenario(session.recording());
        assert.deepEqual(exported.steps.map(stepText), scenario.steps.filter((s) => s.kind !== 'expect').map(stepText));
      } finally {
        await session.close();
      }
    });
  }
});
