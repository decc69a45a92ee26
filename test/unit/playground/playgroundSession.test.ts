import * as assert from 'node:assert/strict';
import { HUB, PlaygroundSession, type PlaygroundDatabases } from '../../../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../../../src/core/playground/samples';
import { whatIf } from '../../../src/core/playground/whatIf';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { runScenario } from '../../../src/core/scenario/runScenario';
import type { SqlPort } from '../../../src/core/sql';
import { openPgliteFromTemplate } from '../../../src/db/template';

/** Real in-memory PGlite databases, by name; `fresh` replaces the stored one (as the extension's data dirs do). */
function memoryDatabases(): PlaygroundDatabases & { opened: string[] } {
  const opened: string[] = [];
  return {
    opened,
    async open(name) {
      opened.push(name);
      return openPgliteFromTemplate();
    },
  };
}

const sample = (id: string) => PLAYGROUND_SAMPLES.find((s) => s.id === id)!.setup;

async function hubRows(db: SqlPort, sql: string) {
  return (await db.query(sql)).rows;
}

describe('PlaygroundSession', function () {
  this.timeout(120_000);
  let session: PlaygroundSession | undefined;
  afterEach(async () => {
    await session?.close();
    session = undefined;
  });

  it('creates a playground from a sample: hub and replicas with the seeded rows, nothing queued', async () => {
    const dbs = memoryDatabases();
    session = await PlaygroundSession.create(sample('todo'), dbs);
    assert.deepEqual(dbs.opened.sort(), [HUB, 'laptop', 'phone'].sort());
    const s = await session.snapshot();
    assert.deepEqual(s.hub.tables, [{ table: 'todo', rows: 3 }]);
    assert.deepEqual(s.replicas.map((r) => [r.name, r.online, r.pending, r.tables[0]?.rows]), [
      ['laptop', true, 0, 3],
      ['phone', true, 0, 3],
    ]);
  });

  it('offline writes on both replicas park a manual conflict; resolving it updates the hub and the snapshot', async () => {
    session = await PlaygroundSession.create(sample('inventory'), memoryDatabases());
    let changes = 0;
    session.onDidChange(() => changes++);
    await session.setOnline('shop1', false);
    await session.runSql('shop1', "UPDATE product SET price = 5.00 WHERE sku = 'A-100'");
    await session.runSql('shop2', "UPDATE product SET price = 4.00 WHERE sku = 'A-100'");
    let s = await session.snapshot();
    assert.equal(s.replicas.find((r) => r.name === 'shop1')!.pending, 1);
    assert.equal(s.replicas.find((r) => r.name === 'shop1')!.online, false);
    await session.sync('shop2');
    await session.setOnline('shop1', true);
    await session.sync('shop1');
    s = await session.snapshot();
    assert.equal(s.openConflicts.length, 1);
    assert.equal(s.openConflicts[0]!.type, 'update_origin_differs');
    assert.equal(s.replicas.find((r) => r.name === 'shop1')!.openConflicts, 1);
    assert.ok(changes > 0, 'views were told about the changes');

    await session.resolve(s.openConflicts[0]!.id, 'incoming');
    s = await session.snapshot();
    assert.equal(s.openConflicts.length, 0);
    const rows = await hubRows(session.database(HUB), "SELECT price::text AS price FROM product WHERE sku = 'A-100'");
    assert.equal(rows[0]!.price, '5.00');
  });

  it('step mode pauses between events, stops to the next conflict, and continues to the end', async () => {
    session = await PlaygroundSession.create(sample('inventory'), memoryDatabases());
    await session.runSql('shop1', "UPDATE product SET stock = 39 WHERE sku = 'A-100'");
    await session.runSql('shop2', "UPDATE product SET stock = 38 WHERE sku = 'A-100'");
    await session.sync('shop1');
    const stepper = session.startStepSync('shop2');
    const first = await stepper.step();
    assert.equal(first?.type, 'sync_started');
    assert.ok(session.stepper, 'the sync is paused, not finished');
    assert.throws(() => session!.startStepSync('shop1'), /paused/);
    const conflict = await stepper.stepToConflict();
    assert.equal(conflict?.type, 'conflict_detected');
    const summary = await stepper.continue();
    assert.equal(summary?.conflicts, 1);
    assert.equal(session.stepper, undefined);
    assert.equal((await session.snapshot()).stepping?.done, true);
  });

  it('exports a scenario that reproduces the hub, and "what if" shows how another strategy would end', async () => {
    session = await PlaygroundSession.create(sample('inventory'), memoryDatabases());
    await session.runSql('shop1', "UPDATE product SET price = 5.00 WHERE sku = 'A-100'");
    await session.runSql('shop2', "UPDATE product SET price = 4.00 WHERE sku = 'A-100'");
    await session.sync('shop1');
    await session.sync('shop2');
    const [c] = await session.conflicts(true);
    await session.resolve(c!.id, 'hub');

    const scenario = exportScenario(session.recording());
    assert.deepEqual(scenario.steps.map((s) => s.kind), ['sql', 'sql', 'sync', 'sync', 'resolve']);
    const replayed = await runScenario(scenario, { openDatabase: openPgliteFromTemplate });
    assert.equal(replayed.ok, true, replayed.error);
    const price = (rows: readonly Record<string, unknown>[]) => rows.find((r) => r.sku === 'A-100')!.price;
    assert.equal(String(price(replayed.hub.product!)), '5.00');

    const table = session.playground.tables()[0]!;
    const alt = await whatIf(session.recording(), c!, 'replica_wins', session.database(HUB), table, openPgliteFromTemplate);
    assert.equal(alt.diffs.length, 1);
    assert.equal(alt.diffs[0]!.actual!.price, 5);
    assert.equal(alt.diffs[0]!.alternative!.price, 4);
  });

  it('replays a recording with one more replica (how "Add replica" works)', async () => {
    session = await PlaygroundSession.create(sample('todo'), memoryDatabases());
    await session.runSql('laptop', "INSERT INTO todo VALUES (4, 'Water plants', false)");
    await session.sync('laptop');
    const rec = session.recording();
    await session.close();
    session = await PlaygroundSession.replay({ ...rec, replicas: [...rec.replicas, { name: 'tablet', clockSkewMs: 0 }] }, memoryDatabases());
    await session.sync('tablet');
    const s = await session.snapshot();
    assert.deepEqual(s.replicas.map((r) => [r.name, r.tables[0]?.rows]), [
      ['laptop', 4],
      ['phone', 3],
      ['tablet', 4],
    ]);
    assert.equal(session.recording().steps.length, 3);
  });
});
