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
    await p.replica('B').exec('UPDATE counter SET v = 2');
    const [a, b] = await Promise.all([p.syncToEnd('A', { direction: 'push' }), p.syncToEnd('B', { direction: 'push' })]);
    assert.equal(a.applied + b.applied, 100, 'last_writer_wins applies both sides in some order');
    // every row was written twice after its seed: version 3, and the change log agrees with the row versions
    assert.deepEqual(await rows(w.hub, 'SELECT DISTINCT version::int AS v FROM _sync.row_version'), [{ v: 3 }]);
    assert.deepEqual(await rows(w.hub, 'SELECT count(*)::int AS n FROM _sync.changes'), [{ n: 150 }]);
    await p.syncAll();
    const hub = await rows(w.hub, 'SELECT * FROM counter ORDER BY id');
    assert.deepEqual(await rows(w.a, 'SELECT * FROM counter ORDER BY id'), hub);
    assert.deepEqual(await rows(w.b, 'SELECT * FROM counter ORDER BY id'), hub);
  });
});
