/** Engine behaviour beyond the conflict matrix, shared by the PGlite hub and the PostgreSQL hub suites. */
import assert from 'node:assert/strict';
import type { SqlPort } from '../../../src/core/sql';
import { InvalidInputError } from '../../../src/core/errors';
import type { SyncEvent } from '../../../src/core/sync/events';
import { openWorld, playground, rows, type World } from './world';

const TODO = 'CREATE TABLE todo (id int PRIMARY KEY, title text, qty int, note text)';
const TODO_SEED = `INSERT INTO todo VALUES (1, 'milk', 1, 'n')`;

export function defineEngineSuite(label: string, openHub?: () => Promise<SqlPort>): void {
  describe(`sync engine (${label})`, function () {
    this.timeout(120_000);
    let w: World;
    before(async () => (w = await openWorld(openHub)));
    after(() => w?.close());

    it('syncs composite keys and identifiers with quotes, spaces, unicode and reserved words', async () => {
      const schema = `CREATE SCHEMA "we""ird schema";
        CREATE TABLE "we""ird schema"."Order Items" ("select" text, "ü n" int, "from" text, PRIMARY KEY ("select", "ü n"));
        CREATE TABLE aliases (n int PRIMARY KEY, o int, w int, h int, pk text, "row" text, before text, after text)`;
      const { pg } = await playground(w, schema);
      await pg.replica('A').exec(`INSERT INTO "we""ird schema"."Order Items" VALUES ('x', 1, 'a'), ('x', 2, 'b'), ('y', 1, 'c')`);
      await pg.replica('A').exec(`UPDATE "we""ird schema"."Order Items" SET "from" = 'z' WHERE "select" = 'x' AND "ü n" = 2`);
      await pg.replica('A').exec(`DELETE FROM "we""ird schema"."Order Items" WHERE "select" = 'y'`);
      await pg.syncToEnd('A');
      await pg.syncToEnd('B');
      const q = `SELECT * FROM "we""ird schema"."Order Items" ORDER BY 1, 2`;
      const expected = [{ select: 'x', 'ü n': 1, from: 'a' }, { select: 'x', 'ü n': 2, from: 'z' }];
      assert.deepEqual(await rows(w.hub, q), expected);
      assert.deepEqual(await rows(w.b, q), expected);
      // columns named like the engine's own aliases
      await pg.replica('B').exec(`INSERT INTO aliases VALUES (1, 2, 3, 4, 'p', 'r', 'b', 'a'); UPDATE aliases SET o = 20; DELETE FROM aliases`);
      await pg.replica('B').exec(`INSERT INTO aliases VALUES (2, 2, 3, 4, 'p', 'r', 'b', 'a'); UPDATE aliases SET "row" = 'r2'`);
      await pg.syncToEnd('B');
      assert.deepEqual(await rows(w.hub, 'SELECT n, o, "row" FROM aliases'), [{ n: 2, o: 2, row: 'r2' }]);
      assert.deepEqual((await pg.replica('A').ops()).map((o) => o.pk), [
        { select: 'x', 'ü n': 1 }, { select: 'x', 'ü n': 2 }, { select: 'y', 'ü n': 1 }, { select: 'x', 'ü n': 2 }, { select: 'y', 'ü n': 1 },
      ]);
    });

    it('refuses a table without a primary key, naming it, and installs nothing', async () => {
      const { pg } = await playground(w, TODO);
      await assert.rejects(pg.applySchema('CREATE TABLE log_lines (line text)'), (e: unknown) => {
        assert.ok(InvalidInputError.is(e));
        assert.match(e.message, /without a primary key: log_lines/);
        return true;
      });
      assert.deepEqual(await rows(w.hub, `SELECT to_regclass('log_lines') AS t`), [{ t: null }]);
      assert.deepEqual(pg.tables().map((t) => t.name), ['todo']);
    });

    it('does not capture what sync applies, and applies several ops on one row in order', async () => {
      const { pg } = await playground(w, TODO);
      await pg.replica('A').exec(`INSERT INTO todo VALUES (1, 'milk', 1, NULL)`);
      await pg.replica('A').exec(`UPDATE todo SET qty = 2 WHERE id = 1`);
      await pg.replica('A').exec(`UPDATE todo SET title = 'oat milk' WHERE id = 1`);
      const s = await pg.syncToEnd('A');
      assert.equal(s.applied, 3);
      assert.equal(s.conflicts, 0);
      await pg.syncToEnd('B');
      assert.deepEqual(await rows(w.b, 'SELECT * FROM todo'), [{ id: 1, title: 'oat milk', qty: 2, note: null }]);
      assert.equal((await pg.replica('B').ops()).length, 0, 'B captured rows it pulled');
      assert.deepEqual(await rows(w.hub, 'SELECT version::int AS version FROM _sync.row_version'), [{ version: 3 }]);
    });

    it('field_merge merges columns changed on one side; a column changed on both goes to the later writer', async () => {
      const { pg, clock } = await playground(w, TODO, { seed: TODO_SEED, rules: [{ table: 'todo', strategy: 'field_merge' }] });
      clock.advance(1000);
      await pg.replica('B').exec(`UPDATE todo SET title = 'B title', note = 'B note'`);
      await pg.syncToEnd('B');
      clock.advance(1000);
      await pg.replica('A').exec(`UPDATE todo SET qty = 5, note = 'A note'`);
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.hub, 'SELECT * FROM todo'), [{ id: 1, title: 'B title', qty: 5, note: 'A note' }]);
      const [c] = await pg.conflicts();
      assert.equal(c!.outcome, 'merged');
      assert.deepEqual(c!.merge, { qty: 'incoming', note: 'both', title: 'hub' });
      await pg.syncAll();
      assert.deepEqual(await rows(w.a, 'SELECT * FROM todo'), await rows(w.hub, 'SELECT * FROM todo'));
      assert.deepEqual(await rows(w.b, 'SELECT * FROM todo'), await rows(w.hub, 'SELECT * FROM todo'));
    });

    it('captures and merges a 120-column table and columns without equality (json, point, xml) column by column', async () => {
      const extra = Array.from({ length: 116 }, (_, i) => `c${i + 1} int DEFAULT 0`).join(', ');
      const schema = `CREATE TABLE wide (id int PRIMARY KEY, doc json, spot point, x xml, ${extra})`;
      const seed = `INSERT INTO wide (id, doc, spot, x) VALUES (1, '{"a": 1}', '(1,2)', '<a/>')`;
      const { pg, clock } = await playground(w, schema, { seed, rules: [{ table: 'wide', strategy: 'field_merge' }] });
      await pg.replica('A').exec(`UPDATE wide SET c116 = 7, doc = '{"a": 2}'`);
      await pg.replica('A').exec(`UPDATE wide SET spot = spot`); // changes nothing: no op
      const [op, ...none] = await pg.replica('A').ops();
      assert.equal(none.length, 0, 'a no-op update was captured');
      assert.deepEqual(op!.changed, ['c116', 'doc']);
      clock.advance(1000);
      await pg.replica('B').exec(`UPDATE wide SET c1 = 3, x = '<b/>', spot = '(5,6)'`);
      await pg.syncToEnd('A');
      await pg.syncToEnd('B'); // conflicts with A's update: field_merge keeps A's columns and B's
      const q = 'SELECT c1, c116, doc::text AS doc, spot::text AS spot, x::text AS x FROM wide';
      const expected = [{ c1: 3, c116: 7, doc: '{"a": 2}', spot: '(5,6)', x: '<b/>' }];
      assert.deepEqual(await rows(w.hub, q), expected);
      assert.equal((await pg.conflicts())[0]!.outcome, 'merged');
      await pg.syncAll();
      assert.deepEqual(await rows(w.a, q), expected);
      assert.deepEqual(await rows(w.b, q), expected);
    });

    it('a column added by Apply Schema syncs; a column only one side has rejects the op, naming it, and loses nothing', async () => {
      const { pg } = await playground(w, TODO, { seed: TODO_SEED });
      await pg.applySchema('ALTER TABLE todo ADD COLUMN due date');
      await pg.replica('A').exec(`UPDATE todo SET due = '2026-12-01'`);
      await pg.syncToEnd('A');
      await pg.syncToEnd('B');
      assert.deepEqual(await rows(w.b, 'SELECT due::text AS due FROM todo'), [{ due: '2026-12-01' }]);
      // a schema change made on replica A alone (not through the playground)
      await w.a.exec('ALTER TABLE todo ADD COLUMN secret text');
      await pg.replica('A').exec(`UPDATE todo SET secret = 's', qty = 9 WHERE id = 1`);
      await pg.replica('A').exec(`INSERT INTO todo (id, title, qty) VALUES (2, 'bread', 1)`);
      await pg.syncToEnd('A');
      const ops = await pg.replica('A').ops();
      const refused = ops.find((o) => o.kind === 'update' && o.status === 'rejected');
      assert.ok(refused, `no rejected update in ${JSON.stringify(ops.map((o) => [o.kind, o.status]))}`);
      assert.match(refused.error ?? '', /Column "secret" of table todo exists on replica A but not at the hub/);
      assert.equal(ops.filter((o) => o.status === 'rejected').length, 2, 'the insert carries the extra column too');
      assert.deepEqual(await rows(w.hub, 'SELECT id, qty FROM todo ORDER BY id'), [{ id: 1, qty: 1 }], 'the hub keeps its rows');
      await w.a.exec('ALTER TABLE todo DROP COLUMN secret');
      await pg.replica('A').exec(`UPDATE todo SET qty = 9 WHERE id = 1`);
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.hub, 'SELECT id, qty FROM todo ORDER BY id'), [{ id: 1, qty: 9 }]);
      assert.deepEqual(await rows(w.a, 'SELECT id, qty FROM todo ORDER BY id'), [{ id: 1, qty: 9 }], 'A follows the hub');
    });

    it('custom strategy: the hub function decides; NULL rejects the op', async () => {
      const { pg, clock } = await playground(w, TODO, { seed: TODO_SEED });
      await pg.hubExec(`CREATE FUNCTION public.sum_qty(base jsonb, hub jsonb, incoming jsonb, t text) RETURNS jsonb
        LANGUAGE sql AS $$ SELECT CASE WHEN (incoming->>'qty')::int < 0 THEN NULL
          ELSE hub || jsonb_build_object('qty', (hub->>'qty')::int + (incoming->>'qty')::int - (base->>'qty')::int) END $$`);
      await pg.setRules([{ strategy: 'custom', function: 'sum_qty' }]);
      clock.advance(1000);
      await pg.replica('B').exec('UPDATE todo SET qty = qty + 2');
      await pg.syncToEnd('B');
      await pg.replica('A').exec('UPDATE todo SET qty = qty + 10');
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.hub, 'SELECT qty FROM todo'), [{ qty: 13 }]);
      await pg.syncToEnd('B');
      await pg.replica('B').exec('UPDATE todo SET qty = 20');
      await pg.replica('A').exec('UPDATE todo SET qty = -1');
      await pg.syncToEnd('B');
      await pg.syncToEnd('A');
      const ops = await pg.replica('A').ops();
      assert.equal(ops[ops.length - 1]!.status, 'rejected');
      assert.deepEqual(await rows(w.hub, 'SELECT qty FROM todo'), [{ qty: 20 }]);
      await assert.rejects(pg.setRules([{ strategy: 'custom', function: 'nope' }]), /no function public\.nope/);
    });

    it('manual: parks the op, previews every choice, and a person resolves it', async () => {
      const { pg, clock } = await playground(w, TODO, { seed: TODO_SEED, rules: [{ strategy: 'manual' }] });
      clock.advance(1000);
      await pg.replica('B').exec(`UPDATE todo SET title = 'B'`);
      await pg.syncToEnd('B');
      clock.advance(1000);
      await pg.replica('A').exec(`UPDATE todo SET title = 'A'`);
      await pg.syncToEnd('A');
      const [open] = await pg.conflicts({ open: true });
      assert.equal(open!.outcome, 'parked');
      assert.deepEqual(await rows(w.hub, 'SELECT title FROM todo'), [{ title: 'B' }]);
      assert.equal((await pg.preview(open!.id, 'hub')).row!.title, 'B');
      assert.equal((await pg.preview(open!.id, 'incoming')).row!.title, 'A');
      assert.equal((await pg.preview(open!.id, { row: { title: 'AB' } })).row!.title, 'AB');
      assert.equal((await pg.preview(open!.id, { strategy: 'last_writer_wins' })).row!.title, 'A');
      assert.deepEqual(await rows(w.hub, 'SELECT title FROM todo'), [{ title: 'B' }], 'a preview changed the hub');
      const e = await pg.resolve(open!.id, { row: { id: 1, title: 'AB', qty: 1, note: 'n' } });
      assert.equal(e.type, 'conflict_resolved_manually');
      await assert.rejects(pg.resolve(open!.id, 'hub'), /not waiting/);
      await pg.syncAll();
      for (const db of [w.hub, w.a, w.b]) assert.deepEqual(await rows(db, 'SELECT title FROM todo'), [{ title: 'AB' }]);
      assert.equal((await pg.replica('A').ops())[0]!.status, 'applied');
      assert.deepEqual(await pg.conflicts({ open: true }), []);
    });

    it('re-sending a batch after a lost acknowledgement never applies an op twice', async () => {
      const { pg } = await playground(w, TODO, { batchSize: 2 });
      await pg.replica('A').exec(`INSERT INTO todo SELECT g, 't' || g, g, NULL FROM generate_series(1, 3) g`);
      await pg.replica('A').exec(`UPDATE todo SET qty = qty + 100`);
      await pg.syncToEnd('A', { loseAckAfterBatch: 2 });
      assert.deepEqual(await pg.replica('A').counts().then((c) => [c.applied, c.sent, c.pending]), [2, 2, 2]);
      const changesBefore = await rows(w.hub, 'SELECT count(*)::int AS n FROM _sync.changes');
      const events: SyncEvent[] = [];
      for await (const e of pg.sync('A')) events.push(e);
      const batches = events.filter((e) => e.type === 'batch_pushed');
      assert.equal(batches[0]!.type === 'batch_pushed' && batches[0]!.alreadyApplied, 2);
      assert.equal((await pg.replica('A').counts()).applied, 6);
      const ids = await pg.processedOpIds();
      assert.equal(new Set(ids).size, ids.length);
      assert.deepEqual(ids, ['A:1', 'A:2', 'A:3', 'A:4', 'A:5', 'A:6']);
      assert.deepEqual(await rows(w.hub, 'SELECT count(*)::int - $1 AS n FROM _sync.changes'.replace('$1', String((changesBefore[0] as { n: number }).n))), [{ n: 2 }]);
      assert.deepEqual(await rows(w.hub, 'SELECT sum(qty)::int AS s FROM todo'), [{ s: 306 }]);
    });

    it('ops of a push whose answer was lost stay sent until they are answered, even when re-sent in smaller batches', async () => {
      const { pg } = await playground(w, TODO, { batchSize: 4 });
      await pg.replica('A').exec(`INSERT INTO todo SELECT g, 't' || g, g, NULL FROM generate_series(1, 6) g`);
      const statuses = async () => (await pg.replica('A').ops()).map((o) => o.status);
      await pg.syncToEnd('A', { loseAckAfterBatch: 1 });
      assert.deepEqual(await statuses(), ['sent', 'sent', 'sent', 'sent', 'pending', 'pending']);
      assert.deepEqual(await pg.replica('A').ops(['sent']).then((ops) => ops.map((o) => o.opId)), ['A:1', 'A:2', 'A:3', 'A:4']);
      // re-sent two at a time, stopped after the first two are answered (the hub had them: no second apply):
      // those settle, the next two are still in flight from the first push
      for await (const e of pg.sync('A', { direction: 'push', batchSize: 2 })) {
        if (e.type === 'batch_pushed') {
          assert.equal(e.alreadyApplied, 2);
          break;
        }
      }
      assert.deepEqual(await statuses(), ['applied', 'applied', 'sent', 'sent', 'pending', 'pending']);
      const c = await pg.replica('A').counts();
      assert.deepEqual([c.applied, c.sent, c.pending], [2, 2, 2]);
      await pg.syncToEnd('A');
      assert.deepEqual(await statuses(), ['applied', 'applied', 'applied', 'applied', 'applied', 'applied']);
      assert.deepEqual(await pg.processedOpIds(), ['A:1', 'A:2', 'A:3', 'A:4', 'A:5', 'A:6']);
    });

    it('retries a failing push up to maxRetries, then the op is failed with its error', async () => {
      const { pg } = await playground(w, TODO, { maxRetries: 2 });
      await pg.hubExec(`CREATE FUNCTION public.boom() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN IF NEW.title = 'boom' THEN RAISE EXCEPTION 'hub is grumpy'; END IF; RETURN NEW; END $$;
        CREATE TRIGGER boom BEFORE INSERT ON todo FOR EACH ROW EXECUTE FUNCTION public.boom()`);
      await pg.replica('A').exec(`INSERT INTO todo VALUES (1, 'boom', 1, NULL), (2, 'fine', 1, NULL)`);
      await pg.syncToEnd('A');
      let ops = await pg.replica('A').ops();
      assert.deepEqual(ops.map((o) => [o.status, o.retries]), [['pending', 1], ['applied', 0]]);
      await pg.syncToEnd('A');
      ops = await pg.replica('A').ops();
      assert.deepEqual(ops.map((o) => [o.status, o.retries]), [['failed', 2], ['applied', 0]]);
      assert.match(ops[0]!.error!, /hub is grumpy/);
      assert.deepEqual(await rows(w.hub, 'SELECT id FROM todo'), [{ id: 2 }]);
    });

    it('rejects ops that break a foreign key or a check at the hub, keeping the error; the replica converges', async () => {
      const schema = `CREATE TABLE list (id int PRIMARY KEY, name text);
        CREATE TABLE entry (id int PRIMARY KEY, list_id int REFERENCES list, qty int CHECK (qty >= 0))`;
      const { pg } = await playground(w, schema, { seed: `INSERT INTO list VALUES (1, 'l1'), (2, 'l2')` });
      await pg.hubExec('DELETE FROM list WHERE id = 2; ALTER TABLE entry ADD CONSTRAINT hub_limit CHECK (qty < 100)');
      await pg.replica('A').exec('INSERT INTO entry VALUES (1, 2, 1), (2, 1, 500), (3, 1, 5)');
      await pg.syncToEnd('A');
      const ops = await pg.replica('A').ops();
      assert.deepEqual(ops.map((o) => o.status), ['rejected', 'rejected', 'applied']);
      const byId = new Map(ops.map((o) => [o.pk.id, o.error]));
      assert.match(byId.get(1)!, /foreign key/);
      assert.match(byId.get(2)!, /hub_limit/);
      const timeline = await pg.timeline({ types: ['op_rejected'] });
      assert.deepEqual(timeline.map((e) => e.type === 'op_rejected' && e.code), ['23503', '23514']);
      await pg.syncToEnd('A');
      assert.deepEqual(await rows(w.a, 'SELECT id FROM entry ORDER BY id'), [{ id: 3 }]);
    });

    it('records what an op causes at the hub (a cascading delete) as hub writes, so other replicas converge', async () => {
      const schema = `CREATE TABLE list (id int PRIMARY KEY, name text);
        CREATE TABLE entry (id int PRIMARY KEY, list_id int REFERENCES list ON DELETE CASCADE, qty int)`;
      const { pg } = await playground(w, schema, { seed: `INSERT INTO list VALUES (1, 'l1'), (2, 'l2'); INSERT INTO entry VALUES (1, 1, 1)` });
      await pg.replica('B').exec('INSERT INTO entry VALUES (2, 1, 2), (3, 2, 3)');
      await pg.syncToEnd('B');
      await pg.replica('A').exec('DELETE FROM list WHERE id = 1'); // A never saw entry 2: the hub's cascade removes it
      await pg.syncToEnd('A');
      await pg.syncToEnd('B');
      for (const db of [w.hub, w.a, w.b]) {
        assert.deepEqual(await rows(db, 'SELECT id FROM entry ORDER BY id'), [{ id: 3 }]);
        assert.deepEqual(await rows(db, 'SELECT id FROM list ORDER BY id'), [{ id: 2 }]);
      }
      assert.deepEqual(
        await rows(w.hub, `SELECT c.kind, c.origin, c.op_id IS NULL AS by_hub FROM _sync.changes c JOIN _sync.tables t ON t.id = c.table_id
          WHERE t.table_name = 'entry' AND c.pk = '{"id": 2}' ORDER BY c.seq`),
        [{ kind: 'insert', origin: 'B', by_hub: false }, { kind: 'delete', origin: 'hub', by_hub: true }],
      );
      assert.deepEqual((await pg.replica('A').ops()).map((o) => [o.table.name, o.kind, o.status]), [
        ['list', 'delete', 'applied'], ['entry', 'delete', 'applied'],
      ]);
    });

    it('higher_version_wins counts the local changes made since the base version', async () => {
      const { pg, clock } = await playground(w, TODO, { seed: TODO_SEED, rules: [{ strategy: 'higher_version_wins' }] });
      await pg.replica('B').exec(`UPDATE todo SET title = 'B'`);
      await pg.syncToEnd('B');
      clock.advance(1000);
      await pg.replica('A').exec(`UPDATE todo SET qty = 2`);
      await pg.replica('A').exec(`UPDATE todo SET title = 'A'`);
      await pg.syncToEnd('A');
      // A's first op ties (1 + 1 vs 2: hub), its second claims 1 + 2 = 3 > 2
      assert.deepEqual((await pg.replica('A').ops()).map((o) => o.status), ['discarded', 'applied']);
      assert.deepEqual(await rows(w.hub, 'SELECT title, qty FROM todo'), [{ title: 'A', qty: 2 }]);
    });

    it('is deterministic: the same steps give a byte-identical timeline', async () => {
      const run = async () => {
        const { pg, clock } = await playground(w, TODO, { seed: TODO_SEED, rules: [{ strategy: 'field_merge' }] });
        await pg.replica('B').setClockSkew(-5000);
        clock.advance(1000);
        await pg.replica('A').exec(`UPDATE todo SET title = 'A'; INSERT INTO todo VALUES (2, 'x', 1, NULL)`);
        await pg.replica('B').exec(`UPDATE todo SET title = 'B', qty = 3; DELETE FROM todo WHERE id = 1`);
        await pg.setOnline('B', false);
        await pg.syncAll();
        await pg.setOnline('B', true);
        await pg.syncAll();
        return JSON.stringify([await pg.timeline(), await pg.conflicts()]);
      };
      const first = await run();
      assert.equal(await run(), first);
    });
  });
}
