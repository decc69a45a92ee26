import * as assert from 'node:assert/strict';
import { HUB, PlaygroundSession, type PlaygroundDatabases } from '../../../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../../../src/core/playground/samples';
import { whatIf } from '../../../src/core/playground/whatIf';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario } from '../../../src/core/scenario/parseScenario';
import { scenarioToJson } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
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
  it('records hub writes, rule changes, discards and a step sync stopped half-way: the export replays to the same state', async () => {
    session = await PlaygroundSession.create(sample('inventory'), memoryDatabases());
    await session.runSql(HUB, "UPDATE product SET name = 'Espresso cup (white)' WHERE sku = 'A-100'");
    await session.setRules([{ strategy: 'replica_wins' }]);
    assert.deepEqual(session.rules, [{ strategy: 'replica_wins' }]);
    await session.runSql('shop1', "UPDATE product SET price = 5.00 WHERE sku = 'A-100'");
    await session.runSql('shop2', "UPDATE product SET price = 4.00 WHERE sku = 'A-100'");
    await session.runSql('shop2', "INSERT INTO product VALUES ('D-400', 'Saucer', 3.00, 8)");
    const insert = (await session.queue('shop2')).find((o) => o.kind === 'insert')!;
    await session.discard('shop2', insert.opId);
    await session.runSql('shop1', "UPDATE product SET stock = 1 WHERE sku = 'B-200'; UPDATE product SET stock = 2 WHERE sku = 'C-300'");
    await session.sync('shop2');
    const stepper = session.startStepSync('shop1');
    await stepper.step(); // sync_started
    await stepper.step(); // batch 1
    await stepper.step(); // its op, applied (replica_wins)
    await session.stopStepSync();
    assert.deepEqual(
      session.recording().steps.map((st) => st.kind === 'sync' ? `sync ${st.replica} ${st.batchSize ?? ''}/${st.maxEvents ?? ''}` : st.kind),
      ['hub', 'rules', 'sql', 'sql', 'sql', 'discard', 'sql', 'sync shop2 /', 'sync shop1 1/3'],
    );
    assert.deepEqual(session.setup.rules, [{ strategy: 'manual' }], 'the setup keeps the rules the playground started with');

    const live = {
      hub: await hubRows(session.database(HUB), 'SELECT * FROM product ORDER BY sku'),
      shop1: await hubRows(session.database('shop1'), 'SELECT * FROM product ORDER BY sku'),
      shop2: await hubRows(session.database('shop2'), 'SELECT * FROM product ORDER BY sku'),
      queue1: await session.playground.replica('shop1').counts(),
      queue2: await session.playground.replica('shop2').counts(),
    };
    assert.equal(live.queue1.pending, 2, 'the stopped sync left two ops queued');
    assert.ok(!live.hub.some((r) => r.sku === 'D-400'), 'the discarded insert never reached the hub');

    const scenario = exportScenario(session.recording());
    const text = JSON.stringify(scenarioToJson(scenario));
    const again = parseScenario(text, 'exported.syncscenario.json');
    const replayed = await ScenarioSession.start(again, { openDatabase: openPgliteFromTemplate });
    try {
      for (const st of again.steps) await replayed.runStep(st);
      const pg = replayed.playground;
      assert.deepEqual(
        {
          hub: await hubRows(pg.hub, 'SELECT * FROM product ORDER BY sku'),
          shop1: await hubRows(pg.replica('shop1').db, 'SELECT * FROM product ORDER BY sku'),
          shop2: await hubRows(pg.replica('shop2').db, 'SELECT * FROM product ORDER BY sku'),
          queue1: await pg.replica('shop1').counts(),
          queue2: await pg.replica('shop2').counts(),
        },
        live,
      );
    } finally {
      await replayed.close();
    }
  });

  it('adds a replica in place (a copy of the hub) and removes one, without rebuilding the playground', async () => {
    const dbs = memoryDatabases();
    session = await PlaygroundSession.create(sample('todo'), dbs);
    await session.runSql('laptop', "INSERT INTO todo VALUES (4, 'Water plants', false)");
    await session.sync('laptop');
    await session.runSql('phone', "DELETE FROM todo WHERE id = 1"); // queued at phone: lost when phone goes
    const playground = session.playground;
    await session.addReplica('tablet', 60_000);
    assert.equal(session.playground, playground, 'the same playground, not a replay');
    assert.deepEqual(dbs.opened.slice(-1), ['tablet']);
    let s = await session.snapshot();
    assert.deepEqual(s.replicas.map((r) => [r.name, r.tables[0]?.rows, r.pending]), [
      ['laptop', 4, 0],
      ['phone', 2, 1], // has not pulled laptop's row, and deleted one of its own
      ['tablet', 4, 0],
    ]);
    assert.deepEqual(session.recording().replicas.map((r) => r.name), ['laptop', 'phone'], 'the setup keeps the replicas it started with');
    assert.deepEqual(session.recording().steps.at(-1), { kind: 'addReplica', replica: 'tablet', clockSkewMs: 60_000 });
    await session.runSql('tablet', "UPDATE todo SET done = true WHERE id = 4");
    await session.sync('tablet');
    await session.sync('laptop');
    assert.deepEqual(await hubRows(session.database('laptop'), 'SELECT done FROM todo WHERE id = 4'), [{ done: true }]);

    await session.removeReplica('phone');
    s = await session.snapshot();
    assert.deepEqual(s.replicas.map((r) => r.name), ['laptop', 'tablet']);
    assert.throws(() => session!.database('phone'), /No replica named "phone"/);
    await session.syncAll();
    assert.equal((await hubRows(session.database(HUB), 'SELECT count(*)::int AS n FROM todo'))[0]!.n, 4, "phone's queued delete is gone with it");
    assert.deepEqual(session.recording().steps.slice(-2), [{ kind: 'removeReplica', replica: 'phone' }, { kind: 'syncAll' }]);
    await assert.rejects(session.addReplica('laptop'), /already/);
    await assert.rejects(session.addReplica('phone'), /was removed from this playground: choose another name/);
    assert.equal(session.recording().steps.at(-1)!.kind, 'syncAll', 'refused adds are not recorded');
  });
});
