import assert from 'node:assert/strict';
import { DbError } from '../../../src/core/errors';
import { parseScenario, ScenarioInvalidError, type ScenarioIssue } from '../../../src/core/scenario/parseScenario';
import { ScenarioSession, ScenarioStepError } from '../../../src/core/scenario/scenarioSession';
import { DatabasePool } from '../scenario/databasePool';
import { openWorld, playground, rows, type World } from '../sync/world';

/**
 * Bad input loses nothing: SQL errors from the user are reported with their SQLSTATE and position and leave the
 * replica's rows and queue as they were (no half-applied multi-statement run); a huge value travels intact; a
 * scenario file with wrong types names the field and the line; a scenario step with bad SQL stops the run at that
 * step, naming it, with the earlier steps' effects intact and nothing of the failing step applied.
 */
describe('reliability: bad input gets a clear error and loses nothing', function () {
  this.timeout(180_000);
  let w: World;
  before(async () => (w = await openWorld()));
  after(() => w?.close());

  it('bad SQL on a replica: SQLSTATE and position, rows and queue untouched, even mid-way through several statements', async () => {
    const { pg } = await playground(w, 'CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL)', { seed: `INSERT INTO todo VALUES (1, 'a')` });
    const A = pg.replica('A');
    await A.exec(`UPDATE todo SET title = 'kept' WHERE id = 1`);
    const before = { rows: await rows(w.a, 'SELECT * FROM todo ORDER BY id'), ops: await A.ops() };
    const cases: [string, string][] = [
      [`INSERT INTO todo VALUES (2, 'x'); UPDAT todo SET title = 'y'`, '42601'],
      [`INSERT INTO todo VALUES (3, 'x'); INSERT INTO todo VALUES (4, NULL)`, '23502'],
      [`UPDATE todo SET title = 'z'; INSERT INTO nowhere VALUES (1)`, '42P01'],
      [`INSERT INTO todo VALUES (1, 'duplicate key')`, '23505'],
      [`INSERT INTO todo VALUES ('not a number', 'x')`, '22P02'],
    ];
    for (const [sql, code] of cases) {
      await assert.rejects(A.exec(sql), (e: unknown) => DbError.is(e) && e.code === code && e.sql.length > 0, sql);
      assert.deepEqual(await rows(w.a, 'SELECT * FROM todo ORDER BY id'), before.rows, `${sql} left rows behind`);
      assert.deepEqual(await A.ops(), before.ops, `${sql} changed the queue`);
    }
    const e = await A.exec('SELECT * FROM todo WHERE titel = 1').catch((x: unknown) => x as DbError);
    assert.ok(DbError.is(e) && e.position !== undefined, 'the error points into the statement');
    assert.equal('SELECT * FROM todo WHERE titel = 1'.slice(e.position - 1).startsWith('titel'), true);
    // the queue still syncs as if nothing happened
    await pg.syncAll();
    assert.deepEqual(await rows(w.hub, 'SELECT * FROM todo ORDER BY id'), [{ id: 1, title: 'kept' }]);
  });

  it('a huge value (4 MB of unicode text) and a 2000-row statement are captured and synced intact', async () => {
    const { pg } = await playground(w, 'CREATE TABLE doc (id int PRIMARY KEY, body text, n int)', { batchSize: 500 });
    const big = 'ünïcødé ✓ 💥 '.repeat(4 * 1024 * 1024 / 20);
    await pg.replica('A').query('INSERT INTO doc VALUES (1, $1, 0)', [big]);
    await pg.replica('A').exec(`INSERT INTO doc SELECT g, md5(g::text), g FROM generate_series(2, 2001) g`);
    await pg.syncAll();
    for (const db of [w.hub, w.a, w.b]) {
      const r = await db.query<{ body: string }>('SELECT body FROM doc WHERE id = 1');
      assert.equal(r.rows[0]!.body, big);
      assert.deepEqual(await rows(db, 'SELECT count(*)::int AS n, sum(n)::int AS s FROM doc'), [{ n: 2001, s: 2003000 }]);
    }
  });

  it('a scenario file with wrong types names each field and its line', () => {
    const text = `{
  "name": "types",
  "schema": "CREATE TABLE t (id int PRIMARY KEY)",
  "seed": 42,
  "replicas": [{ "name": "A", "clockSkewMs": "fast" }],
  "rules": { "strategy": "last_writer_wins" },
  "steps": [
    { "replica": "A", "sql": ["INSERT INTO t VALUES (1)"] },
    { "sync": 7 },
    { "advanceMs": -5 },
    { "expect": { "converged": "yes" } }
  ]
}`;
    const e = (() => {
      try {
        parseScenario(text, 'types.syncscenario.json');
      } catch (x) {
        return x;
      }
      assert.fail('accepted');
    })();
    assert.ok(e instanceof ScenarioInvalidError);
    const lineOf = (needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const expected: [string, string][] = [
      ['seed', '"seed"'],
      ['replicas[0].clockSkewMs', '"fast"'],
      ['rules', '"rules"'],
      ['steps[0].sql', 'INSERT INTO'],
      ['steps[1].sync', '"sync"'],
      ['steps[2].advanceMs', '"advanceMs"'],
      ['steps[3].expect.converged', '"converged"'],
    ];
    for (const [p, needle] of expected) {
      const issue: ScenarioIssue | undefined = e.issues.find((i: ScenarioIssue) => i.path === p);
      assert.ok(issue, `no issue for ${p}: ${e.message}`);
      assert.equal(issue.line, lineOf(needle), `${p} at the wrong line`);
      assert.ok(e.message.includes(`types.syncscenario.json:${issue.line}: ${p}:`), e.message);
    }
  });

  it('a scenario step with bad SQL stops the run there, names the step and line, and applies nothing of it', async () => {
    const pool = new DatabasePool();
    try {
      const text = JSON.stringify(
        {
          name: 'bad sql',
          schema: 'CREATE TABLE t (id int PRIMARY KEY, v int)',
          seed: 'INSERT INTO t VALUES (1, 1)',
          replicas: [{ name: 'A' }, { name: 'B' }],
          rules: [],
          steps: [
            { replica: 'A', sql: 'UPDATE t SET v = 2' },
            { replica: 'A', sql: 'INSERT INTO t VALUES (2, 2); INSERT INTO t VALUES (3, 3) RETURNING nonsense' },
            { sync: 'A' },
          ],
        },
        null,
        2,
      );
      const scenario = parseScenario(text, 'bad.syncscenario.json');
      const session = await ScenarioSession.start(scenario, { openDatabase: pool.openDatabase });
      try {
        await session.runStep(scenario.steps[0]!);
        const err = await session.runStep(scenario.steps[1]!).then(
          () => assert.fail('bad SQL ran'),
          (e: unknown) => e,
        );
        assert.ok(ScenarioStepError.is(err), String(err));
        assert.equal(err.step, 1);
        // the line of the failing step in the file (its object or its sql field)
        const stepLines = text.split('\n').flatMap((l, i) => (l.includes('RETURNING nonsense') ? [i - 1, i, i + 1] : []));
        assert.ok(err.line !== undefined && stepLines.includes(err.line), `line ${err.line}, expected one of ${stepLines.join(', ')}`);
        assert.match(err.message, /nonsense/);
        const a = session.playground.replica('A');
        assert.deepEqual(await rows(a.db, 'SELECT * FROM t ORDER BY id'), [{ id: 1, v: 2 }]);
        assert.deepEqual((await a.ops()).map((o) => [o.kind, o.status]), [['update', 'pending']]);
      } finally {
        await session.close();
      }
    } finally {
      await pool.dispose();
    }
  });
});
