import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openPglite } from '../../../src/db/pglitePort';
import { copyTemplateInto } from '../../../src/db/dataDirTemplate';
import { Playground } from '../../../src/core/sync/playground';
import { SimulatedClock } from '../../../src/core/sync/clock';
import type { SqlPort } from '../../../src/core/sql';

describe('sync engine: a playground survives a restart', function () {
  this.timeout(180_000);
  const root = mkdtempSync(path.join(os.tmpdir(), 'sync-restart-'));
  const dir = (n: string) => path.join(root, n);
  after(() => rmSync(root, { recursive: true, force: true }));

  it('keeps queues, parked conflicts, rules, clocks, cursors and the timeline across close and open', async () => {
    // copies of the template data directory: no initdb per database
    for (const n of ['hub', 'A', 'B']) await copyTemplateInto(dir(n));
    let dbs: SqlPort[] = await Promise.all(['hub', 'A', 'B'].map((n) => openPglite({ dataDir: dir(n), relaxedDurability: true })));
    const clock = new SimulatedClock();
    let pg = await Playground.create({
      hub: dbs[0]!, replicas: [{ name: 'A', db: dbs[1]! }, { name: 'B', db: dbs[2]!, clockSkewMs: -60_000 }], clock,
      rules: [{ table: 'todo', strategy: 'manual' }],
    });
    await pg.applySchema('CREATE TABLE todo (id int PRIMARY KEY, title text)');
    await pg.seed(`INSERT INTO todo VALUES (1, 'seed')`);
    clock.advance(1000);
    await pg.replica('B').exec(`UPDATE todo SET title = 'B'`);
    await pg.syncToEnd('B');
    clock.advance(1000);
    await pg.replica('A').exec(`UPDATE todo SET title = 'A'; INSERT INTO todo VALUES (2, 'later')`);
    await pg.syncToEnd('A', { direction: 'push', batchSize: 1, loseAckAfterBatch: 2 });
    await pg.setOnline('B', false);
    const timelineBefore = await pg.timeline();
    const countsBefore = await pg.replica('A').counts();
    await Promise.all(dbs.map((d) => d.close()));

    dbs = await Promise.all(['hub', 'A', 'B'].map((n) => openPglite({ dataDir: dir(n), relaxedDurability: true })));
    pg = await Playground.open({ hub: dbs[0]!, replicas: { A: dbs[1]!, B: dbs[2]! } });
    assert.equal(pg.clock.now(), clock.now());
    assert.deepEqual(pg.rules(), [{ table: 'todo', strategy: 'manual' }]);
    assert.equal(pg.replica('B').online, false);
    assert.equal(pg.replica('B').clockSkewMs, -60_000);
    assert.deepEqual(await pg.replica('A').counts(), countsBefore);
    assert.deepEqual(await pg.timeline(), timelineBefore);
    const [parked] = await pg.conflicts({ open: true });
    assert.equal(parked!.incoming!.title, 'A');

    // continue: the lost acknowledgement is re-sent, the parked conflict is resolved, everything converges
    await pg.resolve(parked!.id, 'incoming');
    await pg.setOnline('B', true);
    await pg.syncAll();
    for (const d of dbs) {
      assert.deepEqual((await d.query('SELECT * FROM todo ORDER BY id')).rows, [{ id: 1, title: 'A' }, { id: 2, title: 'later' }]);
    }
    assert.deepEqual((await pg.replica('A').ops()).map((o) => o.status), ['applied', 'applied']);
    await Promise.all(dbs.map((d) => d.close()));
  });

  it('opens a hub whose timeline has one row per event (an older engine) with the same events, and numbers on from them', async () => {
    for (const n of ['hub2', 'C']) await copyTemplateInto(dir(n));
    let dbs: SqlPort[] = await Promise.all(['hub2', 'C'].map((n) => openPglite({ dataDir: dir(n), relaxedDurability: true })));
    let pg = await Playground.create({ hub: dbs[0]!, replicas: [{ name: 'C', db: dbs[1]! }] });
    await pg.applySchema('CREATE TABLE todo (id int PRIMARY KEY, title text)');
    await pg.replica('C').exec(`INSERT INTO todo VALUES (1, 'a'), (2, 'b')`);
    await pg.syncToEnd('C');
    await pg.setOnline('C', false);
    const before = await pg.timeline();
    assert.ok(before.length >= 6, `events: ${before.length}`);
    // the layout engines before the run layout wrote: one jsonb row per event, numbered by a bigserial
    await dbs[0]!.exec(`
      CREATE TABLE _sync.timeline_old AS SELECT t.first + e.i - 1 AS seq, t.replica, e.value::jsonb AS event
        FROM _sync.timeline t, json_array_elements(t.events) WITH ORDINALITY e(value, i);
      DROP TABLE _sync.timeline; DROP SEQUENCE _sync.timeline_seq; DROP FUNCTION _sync.timeline_append(text, int, json);
      CREATE TABLE _sync.timeline (seq bigserial PRIMARY KEY, replica text NOT NULL, event jsonb NOT NULL);
      CREATE INDEX timeline_replica ON _sync.timeline (replica, seq);
      INSERT INTO _sync.timeline SELECT * FROM _sync.timeline_old ORDER BY seq;
      SELECT setval('_sync.timeline_seq_seq', (SELECT max(seq) FROM _sync.timeline));
      DROP TABLE _sync.timeline_old;`);
    await Promise.all(dbs.map((d) => d.close()));

    dbs = await Promise.all(['hub2', 'C'].map((n) => openPglite({ dataDir: dir(n), relaxedDurability: true })));
    pg = await Playground.open({ hub: dbs[0]!, replicas: { C: dbs[1]! } });
    assert.deepEqual(await pg.timeline(), before);
    await pg.setOnline('C', true);
    const after = await pg.timeline({ afterSeq: before.at(-1)!.seq });
    assert.deepEqual(after.map((e) => [e.seq, e.type]), [[before.at(-1)!.seq + 1, 'replica_online']]);
    await Promise.all(dbs.map((d) => d.close()));
  });

  it('opens a replica whose queue has the btree row index (an older engine): same queue, hash index on the key, syncs on', async () => {
    for (const n of ['hub3', 'D']) await copyTemplateInto(dir(n));
    let dbs: SqlPort[] = await Promise.all(['hub3', 'D'].map((n) => openPglite({ dataDir: dir(n), relaxedDurability: true })));
    let pg = await Playground.create({ hub: dbs[0]!, replicas: [{ name: 'D', db: dbs[1]! }] });
    await pg.applySchema('CREATE TABLE todo (id int PRIMARY KEY, title text)');
    await pg.replica('D').exec(`INSERT INTO todo VALUES (1, 'a'), (2, 'b'); UPDATE todo SET title = 'c' WHERE id = 1`);
    // the index older engines made
    await dbs[1]!.exec('DROP INDEX _sync.oplog_pk; CREATE INDEX oplog_row ON _sync.oplog (table_id, pk, seq)');
    const queued = await pg.replica('D').ops();
    await Promise.all(dbs.map((d) => d.close()));

    dbs = await Promise.all(['hub3', 'D'].map((n) => openPglite({ dataDir: dir(n), relaxedDurability: true })));
    pg = await Playground.open({ hub: dbs[0]!, replicas: { D: dbs[1]! } });
    const indexes = await dbs[1]!.query<{ name: string; method: string }>(
      `SELECT c.relname AS name, am.amname AS method FROM pg_index x JOIN pg_class c ON c.oid = x.indexrelid
       JOIN pg_am am ON am.oid = c.relam WHERE x.indrelid = '_sync.oplog'::regclass ORDER BY 1`,
    );
    assert.deepEqual(indexes.rows, [
      { name: 'oplog_parked', method: 'btree' },
      { name: 'oplog_pk', method: 'hash' },
      { name: 'oplog_pkey', method: 'btree' },
      { name: 'oplog_queued', method: 'btree' },
    ]);
    assert.deepEqual(await pg.replica('D').ops(), queued);
    await pg.syncToEnd('D');
    assert.deepEqual((await dbs[0]!.query('SELECT * FROM todo ORDER BY id')).rows, [{ id: 1, title: 'c' }, { id: 2, title: 'b' }]);
    assert.deepEqual((await pg.replica('D').ops()).map((o) => o.status), ['applied', 'applied', 'applied']);
    await Promise.all(dbs.map((d) => d.close()));
  });
});
