import assert from 'node:assert/strict';
import { openWorld, playground, rows, type World } from '../sync/world';

/**
 * User SQL and custom resolver functions run only on the database the user chose: SQL on replica A touches A
 * alone (not the hub, not B, and is not smuggled into another database by sync as SQL — only its row changes
 * travel, as data); a custom resolver runs on the hub alone.
 */
describe('security: user SQL and custom resolvers run only where the user chose', function () {
  this.timeout(120_000);
  let w: World;
  before(async () => (w = await openWorld()));
  after(() => w?.close());

  const tableExists = async (db: World['hub'], name: string) =>
    (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])).rows[0]!.t !== null;

  it('DDL and functions created by user SQL stay on their database; only row changes of synced tables travel', async () => {
    const { pg, clock } = await playground(w, 'CREATE TABLE t (id int PRIMARY KEY, v text)', { seed: `INSERT INTO t VALUES (1, 'seed')` });
    await pg.replica('A').exec(`CREATE TABLE only_a (x int); INSERT INTO only_a VALUES (1);
      CREATE FUNCTION only_a_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'; INSERT INTO t VALUES (2, 'from A')`);
    await pg.hubExec('CREATE TABLE only_hub (x int)');
    // the resolver leaves a trace where it runs
    await pg.hubExec(`CREATE TABLE resolver_calls (n serial, t text);
      CREATE FUNCTION public.resolve_here(base jsonb, hub jsonb, incoming jsonb, ct text) RETURNS jsonb LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO resolver_calls (t) VALUES (ct); RETURN incoming; END $$`);
    await pg.setRules([{ table: 't', strategy: 'custom', function: 'resolve_here' }]);
    clock.advance(1_000);
    await pg.replica('B').exec(`UPDATE t SET v = 'B' WHERE id = 1`);
    await pg.syncToEnd('B');
    await pg.replica('A').exec(`UPDATE t SET v = 'A' WHERE id = 1`);
    await pg.syncAll();

    assert.ok(await tableExists(w.a, 'only_a'));
    for (const db of [w.hub, w.b]) {
      assert.equal(await tableExists(db, 'only_a'), false, 'a replica table reached another database');
      assert.deepEqual(await rows(db, `SELECT count(*)::int AS n FROM pg_proc WHERE proname = 'only_a_fn'`), [{ n: 0 }]);
    }
    for (const db of [w.a, w.b]) {
      assert.equal(await tableExists(db, 'only_hub'), false);
      assert.equal(await tableExists(db, 'resolver_calls'), false, 'the resolver or its trace reached a replica');
    }
    assert.deepEqual(await rows(w.hub, 'SELECT t FROM resolver_calls ORDER BY n'), [{ t: 'update_origin_differs' }]);
    for (const db of [w.hub, w.a, w.b]) assert.deepEqual(await rows(db, 'SELECT * FROM t ORDER BY id'), [{ id: 1, v: 'A' }, { id: 2, v: 'from A' }]);
  });
});
