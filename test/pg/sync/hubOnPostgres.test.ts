/** The engine suites with the hub on a real PostgreSQL server (replicas on PGlite), plus concurrent pushes. */
import assert from 'node:assert/strict';
import { PgSqlPort } from '../../../src/db/pgPort';
import { pg } from '../hooks';
import { defineConflictSuite } from '../../unit/sync/conflicts.suite';
import { defineEngineSuite } from '../../unit/sync/engine.suite';
import { defineDiscardSuite } from '../../unit/sync/discard.suite';
import { defineAddReplicaSuite } from '../../unit/sync/addReplica.suite';
import { openWorld, playground, rows, type World } from '../../unit/sync/world';

let n = 0;
const openHub = async () => PgSqlPort.fromConfig(await pg().createDatabase(`sync_hub_${process.pid}_${++n}`));

defineConflictSuite('PostgreSQL hub', openHub);
defineEngineSuite('PostgreSQL hub', openHub);
defineDiscardSuite('PostgreSQL hub', openHub);
defineAddReplicaSuite('PostgreSQL hub', openHub);

describe('sync engine (PostgreSQL hub, concurrent replicas)', function () {
  this.timeout(120_000);
  let w: World;
  before(async () => (w = await openWorld(openHub)));
  after(() => w?.close());

  it('two replicas pushing overlapping rows at once stay consistent (row locks)', async () => {
    const { pg: p, clock } = await playground(w, 'CREATE TABLE counter (id int PRIMARY KEY, v int)', {
      seed: 'INSERT INTO counter SELECT g, 0 FROM generate_series(1, 50) g',
      batchSize: 10,
    });
    clock.advance(1000);
    await p.replica('A').exec('UPDATE counter SET v = 1');
    clock.advance(1000);
    await p.replica('B').exec('UPDATE counter SET v = 2'); // later: B wins each row under last_writer_wins
    const [a, b] = await Promise.all([p.syncToEnd('A', { direction: 'push' }), p.syncToEnd('B', { direction: 'push' })]);
    // which replica reaches a row first is a race; what the row locks guarantee is the outcome of either order:
    // B's op always applies (first, or over A's); A's applies only where it came first, and is discarded elsewhere
    // the second op to reach a row must see the first (the key locks serialise reading versions and writing):
    // a conflict on every row, whichever side came second
    assert.equal(a.conflicts + b.conflicts, 50, 'one conflict per row');
    assert.equal(b.applied, 50, "B's later writes win every row");
    assert.equal(a.applied + a.discarded, 50, "each of A's ops is applied or discarded, once");
    assert.deepEqual(await rows(w.hub, 'SELECT DISTINCT v FROM counter'), [{ v: 2 }]);
    // a row A reached first was written twice after its seed (version 3), else once (version 2)
    assert.deepEqual(await rows(w.hub, 'SELECT count(*)::int AS n FROM _sync.row_version WHERE version = 3'), [{ n: a.applied }]);
    assert.deepEqual(await rows(w.hub, 'SELECT count(*)::int AS n FROM _sync.row_version WHERE version NOT IN (2, 3)'), [{ n: 0 }]);
    // the change log agrees with the row versions: one change for all per version of each row (besides the rows
    // sent back to A alone where its op was discarded)
    assert.deepEqual(
      await rows(w.hub, `SELECT (SELECT count(*) FROM _sync.changes WHERE target IS NULL)::int AS changes,
                                (SELECT sum(version) FROM _sync.row_version)::int AS versions`),
      [{ changes: 50 + 50 + a.applied, versions: 50 + 50 + a.applied }],
    );
    await p.syncAll();
    const hub = await rows(w.hub, 'SELECT * FROM counter ORDER BY id');
    assert.deepEqual(await rows(w.a, 'SELECT * FROM counter ORDER BY id'), hub);
    assert.deepEqual(await rows(w.b, 'SELECT * FROM counter ORDER BY id'), hub);
  });
});
