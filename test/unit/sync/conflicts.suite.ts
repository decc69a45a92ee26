/**
 * Conflict type x strategy, shared by the PGlite hub (test/unit/sync) and the PostgreSQL hub (test/pg/sync).
 * Each case: B writes first and syncs; A writes the conflicting op later (by 1 s) and syncs; we check the
 * conflict logged, A's op status and the hub row.
 */
import assert from 'node:assert/strict';
import type { SqlPort } from '../../../src/core/sql';
import type { ConflictType, OpStatus, Strategy } from '../../../src/core/sync/types';
import { openWorld, playground, rows, type World } from './world';

const SCHEMA = 'CREATE TABLE item (id int PRIMARY KEY, name text, code text UNIQUE)';
const SEED = `INSERT INTO item VALUES (1, 'seed', 'c1'), (2, 'other', 'c2')`;

interface Case {
  readonly type: ConflictType;
  /** B's write (synced first), then A's conflicting write. */
  readonly b: string | null;
  readonly a: string;
  /** Hub row 1 (or null) when the incoming op wins, and when the hub wins. */
  readonly incoming: unknown;
  readonly hub: unknown;
  readonly prepareA?: string;
}

const row = (name: string, code = 'c1') => ({ id: 1, name, code });

const CASES: Case[] = [
  { type: 'insert_exists', b: `INSERT INTO item VALUES (3, 'b', 'c3')`, a: `INSERT INTO item VALUES (3, 'a', 'c3a')`, incoming: { id: 3, name: 'a', code: 'c3a' }, hub: { id: 3, name: 'b', code: 'c3' } },
  { type: 'update_origin_differs', b: `UPDATE item SET name = 'b' WHERE id = 1`, a: `UPDATE item SET name = 'a' WHERE id = 1`, incoming: row('a'), hub: row('b') },
  { type: 'update_deleted', b: 'DELETE FROM item WHERE id = 1', a: `UPDATE item SET name = 'a' WHERE id = 1`, incoming: row('a'), hub: null },
  {
    type: 'update_missing', b: null,
    prepareA: `SELECT set_config('sync.applying', 'on', false); INSERT INTO item VALUES (9, 'local only', 'c9'); SELECT set_config('sync.applying', 'off', false)`,
    a: `UPDATE item SET name = 'a' WHERE id = 9`, incoming: { id: 9, name: 'a', code: 'c9' }, hub: null,
  },
  { type: 'delete_origin_differs', b: `UPDATE item SET name = 'b' WHERE id = 1`, a: 'DELETE FROM item WHERE id = 1', incoming: null, hub: row('b') },
  { type: 'delete_missing', b: 'DELETE FROM item WHERE id = 1', a: 'DELETE FROM item WHERE id = 1', incoming: null, hub: null },
];

/** Who wins with A writing later than B, for each strategy (manual: nobody yet). */
const WINNER: Record<Exclude<Strategy, 'field_merge' | 'custom'>, 'incoming' | 'hub' | 'parked'> = {
  last_writer_wins: 'incoming',
  first_writer_wins: 'hub',
  hub_wins: 'hub',
  replica_wins: 'incoming',
  higher_version_wins: 'hub', // both sides made one change on the same base: tie → hub
  manual: 'parked',
};

function keyOf(c: Case): number {
  return c.type === 'insert_exists' ? 3 : c.type === 'update_missing' ? 9 : 1;
}

export function defineConflictSuite(label: string, openHub?: () => Promise<SqlPort>): void {
  describe(`conflicts x strategies (${label})`, function () {
    this.timeout(120_000);
    let w: World;
    before(async () => (w = await openWorld(openHub)));
    after(() => w?.close());

    for (const c of CASES) {
      for (const [strategy, declared] of Object.entries(WINNER) as [Strategy, 'incoming' | 'hub' | 'parked'][]) {
        it(`${c.type} with ${strategy}`, async () => {
          let winner = declared;
          const { pg, clock } = await playground(w, SCHEMA, { seed: SEED, rules: [{ strategy }] });
          if (c.prepareA) await w.a.exec(c.prepareA);
          if (c.b) {
            clock.advance(1000);
            await pg.replica('B').exec(c.b);
            await pg.syncToEnd('B');
          }
          clock.advance(1000);
          await pg.replica('A').exec(c.a);
          const hubBefore = await rows(w.hub, `SELECT * FROM item WHERE id = ${keyOf(c)}`);
          await pg.syncToEnd('A');

          const [conflict] = await pg.conflicts({ replica: 'A' });
          assert.equal(conflict?.type, c.type);
          assert.equal(conflict?.strategy, strategy);
          const hubRow = (await rows(w.hub, `SELECT * FROM item WHERE id = ${keyOf(c)}`))[0] ?? null;
          const [op] = await pg.replica('A').ops();
          let expected: { status: OpStatus; row: unknown };
          // the hub never wrote the row: the incoming op is the first (and only) writer and has the higher version
          if (c.type === 'update_missing' && strategy !== 'hub_wins' && strategy !== 'manual') winner = 'incoming';
          if (c.type === 'delete_missing') expected = { status: 'discarded', row: null };
          else if (winner === 'parked') expected = { status: 'conflict', row: hubBefore[0] ?? null };
          else if (winner === 'incoming') expected = { status: 'applied', row: c.incoming };
          else expected = { status: 'discarded', row: c.hub };
          assert.equal(op!.status, expected.status, conflict?.outcome);
          assert.deepEqual(hubRow, expected.row);
          // A converges on the hub (except a parked op, whose local row waits for the person)
          if (expected.status !== 'conflict') {
            await pg.syncToEnd('A');
            assert.deepEqual(await rows(w.a, 'SELECT * FROM item ORDER BY id'), await rows(w.hub, 'SELECT * FROM item ORDER BY id'));
          }
        });
      }
    }

    it('update_exists: an update that would violate a unique key at the hub', async () => {
      const { pg, clock } = await playground(w, SCHEMA, { seed: SEED });
      clock.advance(1000);
      await pg.replica('B').exec(`UPDATE item SET code = 'taken' WHERE id = 2`);
      await pg.syncToEnd('B');
      await pg.replica('A').exec(`UPDATE item SET code = 'taken' WHERE id = 1`);
      await pg.syncToEnd('A');
      const [conflict] = await pg.conflicts({ replica: 'A' });
      assert.equal(conflict?.type, 'update_exists');
      const [op] = await pg.replica('A').ops();
      assert.equal(op!.status, 'rejected');
      assert.match(op!.error ?? '', /unique/i);
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.a, 'SELECT code FROM item ORDER BY id'), [{ code: 'c1' }, { code: 'taken' }]);
    });
  });
}
