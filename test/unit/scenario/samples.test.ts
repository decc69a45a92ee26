import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseScenario } from '../../../src/core/scenario/parseScenario';
import { runScenario } from '../../../src/core/scenario/runScenario';
import { DatabasePool } from './databasePool';

const dir = path.join(__dirname, '..', '..', '..', 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.syncscenario.json')).sort();

/** Every sample in scenarios/ runs and every expectation in it holds (expectations were reasoned, not recorded). */
describe('sample scenarios', function () {
  this.timeout(120_000);
  const pool = new DatabasePool();
  after(() => pool.dispose());

  it('ship one per conflict type and one per strategy, plus the domain samples', () => {
    const all = files.map((f) => readFileSync(path.join(dir, f), 'utf8')).join('\n');
    for (const t of ['insert_exists', 'update_origin_differs', 'update_exists', 'update_missing', 'update_deleted', 'delete_origin_differs', 'delete_missing']) {
      assert.ok(files.includes(`conflict-${t.replaceAll('_', '-')}.syncscenario.json`), `no scenario for ${t}`);
    }
    for (const s of ['last_writer_wins', 'first_writer_wins', 'hub_wins', 'replica_wins', 'higher_version_wins', 'field_merge', 'manual', 'custom']) {
      assert.ok(files.includes(`strategy-${s.replaceAll('_', '-')}.syncscenario.json`), `no scenario for ${s}`);
      assert.ok(all.includes(`"strategy": "${s}"`));
    }
    assert.ok(files.includes('flaky-link.syncscenario.json'), 'no flaky-link sample (a link step over a 30% lossy link)');
    for (const d of ['todo-app', 'product-inventory', 'iot-sensors', 'retail-transactions', 'collaborative-documents']) {
      assert.ok(files.includes(`${d}.syncscenario.json`), `no ${d} sample`);
    }
  });

  for (const f of files) {
    it(f, async () => {
      const scenario = parseScenario(readFileSync(path.join(dir, f), 'utf8'), f);
      const result = await runScenario(scenario, { openDatabase: pool.openDatabase });
      const failed = result.expectations.filter((x) => !x.ok).map((x) => `step ${x.step} (line ${x.line}): ${x.message}`);
      assert.deepEqual({ error: result.error, failed }, { error: undefined, failed: [] });
      assert.ok(result.expectations.length > 0, 'a sample must check something');
      assert.equal(result.ok, true);
    });
  }
});
