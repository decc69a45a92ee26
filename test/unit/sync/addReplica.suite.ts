import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/core/errors';
import type { SqlPort } from '../../../src/core/sql';
import { Playground } from '../../../src/core/sync/playground';
import { openPgliteFromTemplate } from '../../../src/db/template';
import { openWorld, playground, rows, type World } from './world';

const SCHEMA = `CREATE TABLE list (id int PRIMARY KEY, name text);
  CREATE TABLE todo (id int PRIMARY KEY, list int REFERENCES list, title text)`;
const SEED = `INSERT INTO list VALUES (1, 'home'); INSERT INTO todo VALUES (1, 1, 'milk'), (2, 1, 'bread')`;
const TODOS = 'SELECT * FROM todo ORDER BY id';

/** Adding and removing replicas on a live playground, shared by the PGlite hub and the PostgreSQL hub suites. */
export function defineAddReplicaSuite(label: string, openHub?: () => Promise<SqlPort>): void {
  describe(`adding and removing a replica on a live playground (${label})`, function () {
    this.timeout(120_000);
    let w: World;
    let c: SqlPort | undefined;
    before(async () => (w = await openWorld(openHub)));
    after(() => w?.close());
    afterEach(async () => {
      await c?.close();
      c = undefined;
    });

    it('a new replica gets the hub’s rows (not queued), pulls only later changes, and its writes sync', async () => {
      const { pg } = await playground(w, SCHEMA, { seed: SEED });
      await pg.replica('A').exec(`UPDATE todo SET title = 'oat milk' WHERE id = 1`);
      await pg.syncToEnd('A');
      await pg.replica('B').exec(`INSERT INTO todo VALUES (3, 1, 'eggs')`); // queued at B: not at the hub yet
      c = await openPgliteFromTemplate();
      const r = await pg.addReplica({ name: 'C', db: c, clockSkewMs: 5000 });
      assert.deepEqual(pg.replicas.map((x) => x.name), ['A', 'B', 'C']);
      assert.equal(r.clockSkewMs, 5000);
      assert.deepEqual(await rows(c, TODOS), await rows(w.hub, TODOS));
      assert.deepEqual(await rows(c, TODOS), [{ id: 1, list: 1, title: 'oat milk' }, { id: 2, list: 1, title: 'bread' }]);
      assert.deepEqual(await r.ops(), [], 'copied rows are not captured');
      const first = await pg.syncToEnd('C');
      assert.equal(first.pulled, 0, 'nothing to pull: the copy is current');
      // later changes reach it, and its own writes are based on the copied versions (no conflict)
      await pg.syncToEnd('B');
      await r.exec(`UPDATE todo SET title = 'brown bread' WHERE id = 2`);
      await pg.syncAll();
      assert.deepEqual(await pg.conflicts(), []);
      const expected = [{ id: 1, list: 1, title: 'oat milk' }, { id: 2, list: 1, title: 'brown bread' }, { id: 3, list: 1, title: 'eggs' }];
      for (const db of [w.hub, w.a, w.b, c]) assert.deepEqual(await rows(db, TODOS), expected);
    });

    it('replaces rows the schema DDL inserts with the hub’s, and survives reopening', async () => {
      const { pg } = await playground(w, SCHEMA, { seed: SEED });
      c = await openPgliteFromTemplate();
      await pg.addReplica({ name: 'C', db: c, schema: `${SCHEMA}; INSERT INTO list VALUES (9, 'stale')` });
      assert.deepEqual(await rows(c, 'SELECT * FROM list'), [{ id: 1, name: 'home' }]);
      pg.dispose();
      const again = await Playground.open({ hub: w.hub, replicas: { A: w.a, B: w.b, C: c } });
      await again.replica('C').exec(`DELETE FROM todo WHERE id = 2`);
      await again.syncAll();
      assert.deepEqual(await rows(w.b, TODOS), [{ id: 1, list: 1, title: 'milk' }]);
    });

    it('refuses a taken name, a used database and DDL that lacks a tracked table, leaving the playground as it was', async () => {
      const { pg } = await playground(w, SCHEMA, { seed: SEED });
      c = await openPgliteFromTemplate();
      await assert.rejects(pg.addReplica({ name: 'A', db: c }), /has a replica named "A" already/);
      await assert.rejects(pg.addReplica({ name: 'hub', db: c }), /not allowed/);
      await assert.rejects(pg.addReplica({ name: 'C', db: w.a }), /belongs to a playground already/);
      await assert.rejects(pg.addReplica({ name: 'C', db: c, schema: 'CREATE TABLE list (id int PRIMARY KEY, name text)' }), (e: unknown) => {
        assert.ok(InvalidInputError.is(e));
        assert.match(e.message, /does not create table todo/);
        return true;
      });
      // a copy the new database refuses fails after the hub registered it: the registration and its event go again
      await assert.rejects(pg.addReplica({ name: 'C', db: c, schema: SCHEMA.replace('name text', "name text CHECK (name <> 'home')") }), /check constraint/);
      assert.deepEqual(await rows(c, `SELECT to_regclass('_sync.meta') AS m, to_regclass('list') AS l`), [{ m: null, l: null }], 'the new database is untouched');
      assert.deepEqual(await rows(w.hub, 'SELECT name FROM _sync.replicas ORDER BY ord'), [{ name: 'A' }, { name: 'B' }]);
      assert.deepEqual((await pg.timeline({ types: ['replica_added'] })).length, 0, 'no replica joined');
      assert.deepEqual(pg.replicas.map((x) => x.name), ['A', 'B']);
      await pg.addReplica({ name: 'C', db: c });
      assert.deepEqual(await rows(c, TODOS), await rows(w.hub, TODOS));
    });

    it('removing a replica: its queued ops are lost, the others sync on, and open() no longer wants its database', async () => {
      const { pg } = await playground(w, SCHEMA, { seed: SEED });
      await pg.replica('B').exec(`DELETE FROM todo`);
      await pg.removeReplica('B');
      assert.deepEqual(pg.replicas.map((x) => x.name), ['A']);
      assert.throws(() => pg.replica('B'), /No replica named "B"/);
      await pg.replica('A').exec(`INSERT INTO todo VALUES (3, 1, 'eggs')`);
      await pg.syncAll();
      assert.deepEqual((await rows(w.hub, TODOS)).length, 3, "B's deletes never reached the hub");
      pg.dispose();
      const again = await Playground.open({ hub: w.hub, replicas: { A: w.a } });
      assert.deepEqual(again.replicas.map((x) => x.name), ['A']);
    });

    it('records replica_added and replica_removed in the timeline; refuses a removed name whose ops the hub has', async () => {
      const { pg } = await playground(w, SCHEMA, { seed: SEED });
      await pg.replica('B').exec(`DELETE FROM todo`); // two ops queued at B, never pushed
      await pg.replica('A').exec(`INSERT INTO todo VALUES (3, 1, 'eggs')`);
      await pg.syncToEnd('A');
      c = await openPgliteFromTemplate();
      await pg.addReplica({ name: 'C', db: c, clockSkewMs: 5000 });
      await pg.removeReplica('B');
      await pg.removeReplica('A');
      const d = await openPgliteFromTemplate();
      try {
        await assert.rejects(pg.addReplica({ name: 'A', db: d }), (e: unknown) => {
          assert.ok(InvalidInputError.is(e));
          assert.match(e.message, /The hub has ops from an earlier replica named "A" .*choose another name/);
          return true;
        });
        await pg.addReplica({ name: 'B', db: d }); // B never pushed anything: its name is free
        const events = await pg.timeline({ types: ['replica_added', 'replica_removed'] });
        const cursor = Number((await w.hub.query<{ m: string }>('SELECT max(seq) AS m FROM _sync.changes')).rows[0]!.m);
        assert.deepEqual(
          events.map(({ seq: _s, at: _a, ...e }) => e),
          [
            { type: 'replica_added', replica: 'C', rows: 4, cursor, clockSkewMs: 5000 },
            { type: 'replica_removed', replica: 'B', lostOps: 2 },
            { type: 'replica_removed', replica: 'A', lostOps: 0 },
            { type: 'replica_added', replica: 'B', rows: 4, cursor, clockSkewMs: 0 },
          ],
        );
        assert.deepEqual(await rows(d, TODOS), await rows(w.hub, TODOS));
      } finally {
        await d.close();
      }
    });
  });
}
