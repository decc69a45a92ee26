import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/core/errors';
import type { SqlPort } from '../../../src/core/sql';
import { openWorld, playground, rows, type World } from './world';

const TODO = 'CREATE TABLE todo (id int PRIMARY KEY, title text)';
const SEED = `INSERT INTO todo VALUES (1, 'milk')`;
const ALL = 'SELECT * FROM todo ORDER BY id';

/** Discarding queued ops, shared by the PGlite hub and the PostgreSQL hub suites. */
export function defineDiscardSuite(label: string, openHub?: () => Promise<SqlPort>): void {
  describe(`discarding a queued op (${label})`, function () {
    this.timeout(120_000);
    let w: World;
    before(async () => (w = await openWorld(openHub)));
    after(() => w?.close());

    it('an insert: gone from the replica at once, never sent, and replica equals hub after sync', async () => {
      const { pg } = await playground(w, TODO, { seed: SEED });
      await pg.replica('A').exec(`INSERT INTO todo VALUES (2, 'bread')`);
      const [op] = await pg.replica('A').ops(['pending']);
      const out = await pg.discard('A', op!.opId);
      assert.equal(out.restoredLocally, true);
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'milk' }]);
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.a, ALL), await rows(w.hub, ALL));
      assert.deepEqual(await rows(w.hub, ALL), [{ id: 1, title: 'milk' }]);
      const ops = await pg.replica('A').ops();
      assert.deepEqual(ops.map((o) => [o.opId, o.status, o.error]), [[op!.opId, 'discarded', 'discarded by a person']]);
      assert.ok(!(await pg.processedOpIds()).includes(op!.opId), 'the hub never saw the op');
      const ev = await pg.timeline({ types: ['op_discarded'] });
      assert.deepEqual(ev.map((e) => [e.replica, e.type === 'op_discarded' && e.opId, e.type === 'op_discarded' && e.reason]), [
        ['A', op!.opId, 'discarded by a person'],
      ]);
    });

    it('offline: the row goes back now, and to the hub’s newer row on the next sync (changes pulled while queued)', async () => {
      const { pg } = await playground(w, TODO, { seed: SEED });
      await pg.replica('A').exec(`UPDATE todo SET title = 'A says oat milk' WHERE id = 1`);
      // B changes the same row; A pulls while its op is queued: the row stays local and A's cursor moves past it
      await pg.replica('B').exec(`UPDATE todo SET title = 'B says soy milk' WHERE id = 1`);
      await pg.syncToEnd('B');
      await pg.syncToEnd('A', { direction: 'pull' });
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'A says oat milk' }]);
      await pg.setOnline('A', false);
      const [op] = await pg.replica('A').ops(['pending']);
      await pg.discard('A', op!.opId);
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'milk' }], 'back to what A had before its write');
      await pg.setOnline('A', true);
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'B says soy milk' }]);
      assert.deepEqual(await rows(w.a, ALL), await rows(w.hub, ALL));
      assert.equal((await pg.replica('A').counts()).discarded, 1);
      assert.equal((await pg.replica('A').counts()).applied, 0);
      // A's next write is based on the hub's version it got back: no conflict
      await pg.replica('A').exec(`UPDATE todo SET title = 'A again' WHERE id = 1`);
      await pg.syncToEnd('A');
      assert.deepEqual(await pg.conflicts(), []);
      assert.deepEqual(await rows(w.hub, ALL), [{ id: 1, title: 'A again' }]);
    });

    it('refuses while a later op on the same row is queued; newest first works and undoes both', async () => {
      const { pg } = await playground(w, TODO, { seed: SEED });
      await pg.replica('A').exec(`UPDATE todo SET title = 'one' WHERE id = 1`);
      await pg.replica('A').exec(`UPDATE todo SET title = 'two' WHERE id = 1`);
      const [first, second] = await pg.replica('A').ops(['pending']);
      await assert.rejects(pg.discard('A', first!.opId), (e: unknown) => {
        assert.ok(InvalidInputError.is(e));
        assert.match(e.message, new RegExp(`Discard the later op on this row first \\(${second!.opId}\\)`));
        return true;
      });
      assert.deepEqual((await pg.replica('A').ops()).map((o) => o.status), ['pending', 'pending'], 'nothing changed');
      await pg.discard('A', second!.opId);
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'one' }]);
      await pg.discard('A', first!.opId);
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'milk' }]);
      await pg.syncAll();
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'milk' }]);
      assert.deepEqual(await rows(w.b, ALL), [{ id: 1, title: 'milk' }]);
      assert.deepEqual(await pg.processedOpIds(), []);
    });

    it('refuses ops that reached the hub, and ops of another replica', async () => {
      const { pg } = await playground(w, TODO, { seed: SEED });
      await pg.replica('A').exec(`DELETE FROM todo WHERE id = 1`);
      await pg.syncToEnd('A');
      const [op] = await pg.replica('A').ops();
      await assert.rejects(pg.discard('A', op!.opId), /is applied: only pending or failed operations can be discarded/);
      await assert.rejects(pg.discard('B', op!.opId), /is not an op of replica B/);
      await assert.rejects(pg.discard('A', 'A:999'), /has no op A:999/);
    });

    it('a discarded delete brings the row back; other queued ops still sync', async () => {
      const { pg } = await playground(w, TODO, { seed: SEED });
      await pg.replica('A').exec(`DELETE FROM todo WHERE id = 1; INSERT INTO todo VALUES (3, 'eggs')`);
      const ops = await pg.replica('A').ops(['pending']);
      const del = ops.find((o) => o.kind === 'delete')!;
      await pg.discard('A', del.opId);
      assert.deepEqual(await rows(w.a, ALL), [{ id: 1, title: 'milk' }, { id: 3, title: 'eggs' }]);
      await pg.syncAll();
      for (const db of [w.hub, w.a, w.b]) assert.deepEqual(await rows(db, ALL), [{ id: 1, title: 'milk' }, { id: 3, title: 'eggs' }]);
      assert.deepEqual((await pg.replica('A').ops()).map((o) => [o.kind, o.status]), [['delete', 'discarded'], ['insert', 'applied']]);
    });
  });
}
