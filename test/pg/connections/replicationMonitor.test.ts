import assert from 'node:assert/strict';
import type { ReplicationSnapshot, Section } from '../../../src/core/connections/replicationModel';
import { compareLsn } from '../../../src/core/connections/replicationModel';
import { readReplication } from '../../../src/db/connections/replicationQueries';
import { PgSqlPort } from '../../../src/db/pgPort';
import { startPgServer, type PgServer } from '../../support/pgServer';
import { pg } from '../hooks';

function items<T>(s: Section<T>): readonly T[] {
  assert.equal(s.status, 'ok', s.status === 'unavailable' ? s.note : '');
  return (s as { items: readonly T[] }).items;
}

/** Re-reads until `done` holds (replication is asynchronous); fails with the last snapshot after many tries. */
async function until(read: () => Promise<ReplicationSnapshot>, done: (s: ReplicationSnapshot) => boolean): Promise<ReplicationSnapshot> {
  let last: ReplicationSnapshot | undefined;
  for (let i = 0; i < 300; i++) {
    last = await read();
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`condition never held; last snapshot: ${JSON.stringify(last, null, 1)}`);
}

describe('connections: native replication monitor with two real clusters', function () {
  this.timeout(120_000);
  let subscriberServer: PgServer;
  let publisher: PgSqlPort;
  let subscriber: PgSqlPort;
  const readPub = () => readReplication(publisher, pg().version);
  const readSub = () => readReplication(subscriber, subscriberServer.version);

  before(async () => {
    publisher = PgSqlPort.fromConfig(await pg().createDatabase('conn_pub'));
    await publisher.exec(`CREATE TABLE items (id int PRIMARY KEY, name text);
                          INSERT INTO items VALUES (1, 'first');
                          CREATE PUBLICATION pub_items FOR TABLE items WITH (publish = 'insert, update');`);
    subscriberServer = await startPgServer({ name: 'subscriber' });
    subscriber = PgSqlPort.fromConfig(await subscriberServer.createDatabase('conn_sub'));
    await subscriber.exec(`CREATE TABLE items (id int PRIMARY KEY, name text)`);
    // CREATE SUBSCRIPTION cannot run in a transaction block: a statement of its own
    await subscriber.exec(
      `CREATE SUBSCRIPTION sub_items CONNECTION 'host=${pg().host} port=${pg().port} user=${pg().user} dbname=conn_pub' PUBLICATION pub_items`,
    );
  });

  after(async () => {
    await subscriber?.exec('DROP SUBSCRIPTION IF EXISTS sub_items').catch(() => undefined);
    await subscriber?.close();
    await publisher?.close();
    await subscriberServer?.stop();
  });

  it('the publisher shows its publication, the subscription slot and the WAL sender', async () => {
    // settled: the apply worker's WAL sender streams and holds the slot (the initial table copy uses slots of its own)
    const s = await until(
      readPub,
      (x) =>
        items(x.walSenders).some((w) => w.applicationName === 'sub_items' && w.state === 'streaming') &&
        items(x.slots).some((sl) => sl.name === 'sub_items' && sl.active),
    );
    assert.equal(s.walLevel, 'logical');
    assert.deepEqual(items(s.publications), [
      { name: 'pub_items', allTables: false, actions: { insert: true, update: true, delete: false, truncate: false }, tables: ['public.items'] },
    ]);
    const slot = items(s.slots).find((x) => x.name === 'sub_items');
    assert.ok(slot, JSON.stringify(s.slots));
    assert.equal(slot.type, 'logical');
    assert.equal(slot.plugin, 'pgoutput');
    assert.equal(slot.database, 'conn_pub');
    assert.equal(slot.active, true);
    assert.ok(slot.retainedWalBytes !== null && slot.retainedWalBytes >= 0);
  });

  it('the subscriber shows its subscription with its worker, and error counters', async () => {
    const s = await until(readSub, (x) => items(x.subscriptions)[0]?.worker?.receivedLsn != null && items(x.subscriptions)[0]!.tablesNotReady === 0);
    const [sub] = items(s.subscriptions);
    assert.equal(sub!.name, 'sub_items');
    assert.equal(sub!.enabled, true);
    assert.equal(sub!.slotName, 'sub_items');
    assert.deepEqual(sub!.publications, ['pub_items']);
    const [stats] = items(s.subscriptionStats);
    assert.deepEqual([stats!.name, stats!.applyErrorCount, stats!.syncErrorCount], ['sub_items', 0, 0]);
    // conflict counters exist from PostgreSQL 18: shown when the server has them, absent before
    assert.equal(Object.keys(stats!.conflicts).length > 0, subscriberServer.version >= 180000);
    assert.deepEqual((await subscriber.query('SELECT name FROM items')).rows, [{ name: 'first' }]);
  });

  it('after writes on the publisher, the LSNs move on both sides', async () => {
    const pubBefore = await until(readPub, (x) => items(x.walSenders).some((w) => w.applicationName === 'sub_items' && w.replayLsn !== null));
    const subBefore = await until(readSub, (x) => items(x.subscriptions)[0]?.worker?.receivedLsn != null);
    const replayed = items(pubBefore.walSenders).find((w) => w.applicationName === 'sub_items')!.replayLsn!;
    const received = items(subBefore.subscriptions)[0]!.worker!.receivedLsn!;

    await publisher.exec(`INSERT INTO items SELECT g, 'row ' || g FROM generate_series(2, 500) g; UPDATE items SET name = 'changed' WHERE id = 1`);

    const pubAfter = await until(readPub, (x) => {
      const w = items(x.walSenders).find((y) => y.applicationName === 'sub_items');
      return !!w?.replayLsn && compareLsn(w.replayLsn, replayed) > 0;
    });
    await until(readSub, (x) => {
      const w = items(x.subscriptions)[0]?.worker;
      return !!w?.receivedLsn && compareLsn(w.receivedLsn, received) > 0;
    });
    assert.ok(compareLsn(pubAfter.currentLsn!, replayed) > 0);
    // what the LSNs say, the data confirms: every write arrived
    let arrived = false;
    for (let i = 0; i < 300 && !arrived; i++) {
      const r = await subscriber.query<{ n: number; first: string }>(`SELECT count(*)::int AS n, max(name) FILTER (WHERE id = 1) AS first FROM items`);
      arrived = r.rows[0]!.n === 500 && r.rows[0]!.first === 'changed';
      if (!arrived) await new Promise((res) => setTimeout(res, 100));
    }
    assert.ok(arrived, 'the subscriber never received the writes');
  });

  it('a server older than a view gets a note for that part only', async () => {
    const s = await readReplication(subscriber, 140000); // as the monitor would read a PostgreSQL 14 server
    assert.equal(s.subscriptionStats.status, 'unavailable');
    assert.match((s.subscriptionStats as { note: string }).note, /needs PostgreSQL 15 or later/);
    assert.equal(s.subscriptions.status, 'ok');
  });

  it('a role without monitoring privileges sees a note, not an error', async () => {
    const { user, password } = pg().passwordUser;
    const limited = PgSqlPort.fromConfig({ ...pg().poolConfig('conn_pub'), user, password });
    try {
      const s = await readPub();
      const w = items(s.walSenders).find((x) => x.applicationName === 'sub_items');
      assert.ok(w);
      const seen = await readReplication(limited, pg().version);
      const hidden = items(seen.walSenders);
      assert.equal(hidden.length, items(s.walSenders).length);
      assert.ok(hidden.every((x) => /hidden: needs pg_read_all_stats/.test(x.state)), JSON.stringify(hidden));
    } finally {
      await limited.close();
    }
  });
});
