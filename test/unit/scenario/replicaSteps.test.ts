import assert from 'node:assert/strict';
import { exportScenario } from '../../../src/core/scenario/exportScenario';
import { parseScenario, ScenarioInvalidError } from '../../../src/core/scenario/parseScenario';
import { runScenario } from '../../../src/core/scenario/runScenario';
import { replicasAfter, scenarioToJson } from '../../../src/core/scenario/scenarioModel';
import { ScenarioSession } from '../../../src/core/scenario/scenarioSession';
import { DatabasePool } from './databasePool';

/** A two-replica todo scenario with `steps`, as a file would print it (one field per line, so lines are exact). */
function scenarioText(steps: unknown[]): string {
  return JSON.stringify(
    {
      name: 'replicas',
      schema: 'CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL)',
      seed: "INSERT INTO todo VALUES (1, 'milk'), (2, 'eggs')",
      replicas: [{ name: 'A' }, { name: 'B' }],
      steps,
    },
    null,
    2,
  );
}

function invalid(text: string): ScenarioInvalidError {
  try {
    parseScenario(text, 'x.syncscenario.json');
  } catch (e) {
    assert.ok(e instanceof ScenarioInvalidError, `expected ScenarioInvalidError, got ${e}`);
    return e;
  }
  assert.fail('expected the scenario to be rejected');
}

const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('scenario steps addReplica and removeReplica', function () {
  this.timeout(120_000);
  const pool = new DatabasePool();
  after(() => pool.dispose());

  it('parses both, with a clock skew, and steps may use the replica between its add and its removal', () => {
    const s = parseScenario(
      scenarioText([
        { addReplica: 'C', clockSkewMs: -30000, comment: 'a tablet' },
        { replica: 'C', sql: "INSERT INTO todo VALUES (3, 'tea')" },
        { removeReplica: 'A' },
        { expect: { queue: { C: { pending: 1 } }, replicas: { B: { todo: [] } } } },
      ]),
    );
    assert.deepEqual(s.steps.slice(0, 3), [
      { kind: 'addReplica', replica: 'C', clockSkewMs: -30000, comment: 'a tablet' },
      { kind: 'sql', replica: 'C', sql: "INSERT INTO todo VALUES (3, 'tea')" },
      { kind: 'removeReplica', replica: 'A' },
    ]);
    assert.deepEqual(replicasAfter(s.replicas, s.steps), [{ name: 'B', clockSkewMs: 0 }, { name: 'C', clockSkewMs: -30000 }]);
    const again = parseScenario(JSON.stringify(scenarioToJson(s), null, 2));
    assert.deepEqual(again.steps, s.steps, 'exported back to the same steps');
  });

  it('names the field and line of a duplicate, an unknown or removed replica, the last replica, a reused name and a misplaced skew', () => {
    const text = scenarioText([
      { addReplica: 'B' }, // 0: exists
      { addReplica: 'hub' }, // 1: reserved
      { addReplica: '9lives' }, // 2: bad name
      { removeReplica: 'Z' }, // 3: unknown
      { removeReplica: 'A' }, // 4: fine
      { sync: 'A' }, // 5: A is gone
      { removeReplica: 'B' }, // 6: the last one
      { addReplica: 'A' }, // 7: a removed name
      { addReplica: 'C', clockSkewMs: 'fast' }, // 8: bad skew
      { sync: 'B', clockSkewMs: 5 }, // 9: skew on a sync step
      { expect: { queue: { A: { pending: 0 } } } }, // 10: A is gone
    ]);
    const e = invalid(text);
    assert.deepEqual(e.issues.map((i) => i.path), [
      'steps[0].addReplica',
      'steps[1].addReplica',
      'steps[2].addReplica',
      'steps[3].removeReplica',
      'steps[5].sync',
      'steps[6].removeReplica',
      'steps[7].addReplica',
      'steps[8].clockSkewMs',
      'steps[9].clockSkewMs',
      'steps[10].expect.queue.A',
    ]);
    const msg = (i: number) => e.issues[i]!.message;
    assert.match(msg(0), /replica "B" exists already at this step/);
    assert.match(msg(1), /"hub" is reserved/);
    assert.match(msg(2), /must start with a letter/);
    assert.match(msg(3), /unknown replica "Z"; replicas are: A, B/);
    const removedLine = lineOf(text, '"removeReplica": "A"') - 1; // the step's own line: where its object opens
    assert.match(msg(4), new RegExp(`replica "A" was removed by steps\\[4\\] \\(line ${removedLine}\\); replicas here are: B`));
    assert.match(msg(5), /"B" is the last replica and a playground needs one: add another before removing it/);
    assert.match(msg(6), /a removed replica's name is not used again/);
    assert.match(msg(7), /clockSkewMs must be an integer/);
    assert.match(msg(8), /"clockSkewMs" belongs to an addReplica step/);
    assert.equal(e.issues[0]!.line, lineOf(text, '"addReplica": "B"'));
    assert.equal(e.issues[5]!.line, lineOf(text, '"removeReplica": "B"'));
    assert.match(e.message, new RegExp(`x\\.syncscenario\\.json:${e.issues[0]!.line}: steps\\[0\\]\\.addReplica`));
  });

  it('runs a scenario that adds C, writes and syncs: all converge and C has every row; the timeline says when C joined', async () => {
    const scenario = parseScenario(
      scenarioText([
        { replica: 'A', sql: "INSERT INTO todo VALUES (3, 'tea')" },
        { sync: 'A' },
        { addReplica: 'C', clockSkewMs: 60000 },
        { replica: 'C', sql: "UPDATE todo SET title = 'oat milk' WHERE id = 1" },
        { replica: 'B', sql: "INSERT INTO todo VALUES (4, 'jam')" },
        { sync: 'C' },
        { sync: 'B' },
        { syncAll: true },
        {
          expect: {
            converged: true,
            replicas: {
              C: {
                todo: [
                  { id: 1, title: 'oat milk' },
                  { id: 2, title: 'eggs' },
                  { id: 3, title: 'tea' },
                  { id: 4, title: 'jam' },
                ],
              },
            },
            queue: { C: { applied: 1, pending: 0 } },
          },
        },
      ]),
    );
    const r = await runScenario(scenario, { openDatabase: pool.openDatabase });
    assert.equal(r.ok, true, r.error ?? JSON.stringify(r.expectations.filter((x) => !x.ok)));
    assert.deepEqual(Object.keys(r.replicas), ['A', 'B', 'C']);
    assert.equal(r.replicas.C!.tables.todo!.length, 4);
    const added = r.timeline.filter((e) => e.type === 'replica_added');
    assert.equal(added.length, 1);
    assert.equal(added[0]!.step, 2);
    assert.equal(added[0]!.replica, 'C');
    // C was copied after A's sync: the hub had 3 rows then, and C's clock runs a minute ahead
    assert.match(added[0]!.text, /replica added: a copy of the hub \(3 row\(s\), up to change \d+\), clock skew \+60000 ms/);
  });

  it('records replica_added and replica_removed in the timeline, in order, in the replica\'s lane', async () => {
    const scenario = parseScenario(
      scenarioText([
        { addReplica: 'C' },
        { replica: 'B', sql: "DELETE FROM todo WHERE id = 2" },
        { removeReplica: 'B' },
        { sync: 'C' },
        { removeReplica: 'C' },
      ]),
    );
    const session = await ScenarioSession.start(scenario, { openDatabase: pool.openDatabase });
    try {
      for (const st of scenario.steps) await session.runStep(st);
      const pg = session.playground;
      assert.deepEqual(pg.replicas.map((x) => x.name), ['A']);
      const events = (await pg.timeline()).filter((e) => e.type === 'replica_added' || e.type === 'replica_removed');
      assert.deepEqual(
        events.map((e) => [e.type, e.replica, e.type === 'replica_removed' ? e.lostOps : e.type === 'replica_added' ? e.rows : undefined]),
        [
          ['replica_added', 'C', 2],
          ['replica_removed', 'B', 1], // its queued delete went with it
          ['replica_removed', 'C', 0],
        ],
      );
      assert.ok(events[0]!.seq < events[1]!.seq && events[1]!.seq < events[2]!.seq);
      // B's delete never reached the hub
      assert.equal((await pg.hub.query<{ n: number }>('SELECT count(*)::int AS n FROM todo')).rows[0]!.n, 2);
      // the report's lines (the seed's two rows are the hub's changes 1 and 2)
      const result = await session.result();
      assert.deepEqual(
        result.timeline.filter((e) => e.type.startsWith('replica_')).map((e) => `${e.step} ${e.replica} ${e.text}`),
        ['0 C replica added: a copy of the hub (2 row(s), up to change 2)', '2 B replica removed: 1 queued op(s) lost', '4 C replica removed, nothing queued'],
      );
      // exported, the session is the same scenario again
      assert.deepEqual(exportScenario(session.recording()).steps, scenario.steps);
    } finally {
      await session.close();
    }
  });
});
