import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import type { SimulatedClock } from '../../../src/core/sync/clock';
import { parseHlc } from '../../../src/core/sync/hlc';
import { Playground } from '../../../src/core/sync/playground';
import { PortInUseError } from '../../../src/core/serve/serveErrors';
import type { DatabaseChange } from '../../../src/core/serve/serveModel';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { workerProtocolTarget } from '../../../src/db/serve/protocolTarget';
import { WireServer } from '../../../src/db/serve/wireServer';
import { connectPg, connectPgError, psql, within } from './serveHelpers';

// A real playground (the sync engine's capture triggers) with replica A in its own worker thread, as in the
// product; A is served on 127.0.0.1 and reached by node-postgres and the machine's psql.
describe('Serving a replica on localhost', function () {
  this.timeout(120_000);
  let hub: WorkerSqlPort;
  let a: WorkerSqlPort;
  let playground: Playground;
  let server: WireServer;
  const changes: DatabaseChange[] = [];

  before(async () => {
    [hub, a] = await Promise.all([openPgliteWorker(), openPgliteWorker()]);
    playground = await Playground.create({ hub, replicas: [{ name: 'A', db: a }] });
    await playground.applySchema('CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL, done bool NOT NULL DEFAULT false)');
    server = await WireServer.start(workerProtocolTarget(a), { lockWaitSeconds: 3 });
    server.onDidChangeDatabase((c) => changes.push(c));
  });
  after(async () => {
    await server?.stop();
    playground?.dispose();
    await Promise.all([a?.close(), hub?.close()]);
  });

  const queueOf = async () => (await playground.replica('A').ops()).map((o) => `${o.kind} ${JSON.stringify(o.pk)} ${o.status}`);

  it('listens on 127.0.0.1 only and shows a postgres:// URL with the password', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.match(server.connectionString, new RegExp(`^postgres://postgres:[A-Za-z0-9_-]{24}@127\\.0\\.0\\.1:${server.port}/postgres$`));
    assert.ok(server.port > 0);
  });

  it('node-postgres runs a transaction and the write lands in the replica queue', async () => {
    const c = await connectPg(server.connectionString);
    try {
      await c.query('BEGIN');
      await c.query('INSERT INTO todo (id, title) VALUES ($1, $2)', [1, 'milk']);
      await c.query('UPDATE todo SET done = true WHERE id = $1', [1]);
      await c.query('COMMIT');
      const r = await c.query<{ title: string; done: boolean }>('SELECT title, done FROM todo WHERE id = $1', [1]);
      assert.deepEqual(r.rows, [{ title: 'milk', done: true }]);
    } finally {
      await c.end();
    }
    const q = await queueOf();
    assert.deepEqual(q.slice(-2), ['insert {"id":1} pending', 'update {"id":1} pending']);
    assert.ok(changes.some((ch) => ch.tags.includes('COMMIT') && ch.tags.some((t) => t.startsWith('INSERT'))), 'a database changed event');
  });

  it('psql runs a transaction and COPY FROM STDIN, captured in the queue', async () => {
    const script = [
      'BEGIN;',
      "INSERT INTO todo (id, title) VALUES (2, 'bread');",
      'COMMIT;',
      'COPY todo (id, title) FROM STDIN;',
      '3\teggs',
      '4\tbutter',
      '\\.',
      'SELECT count(*) FROM todo;',
    ].join('\n');
    const r = await psql(server.connectionString, ['-f', '-'], `${script}\n`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '', 'no warnings (psql reads the server version and settings it expects)');
    assert.equal(r.stdout.trim(), '4');
    const q = await queueOf();
    for (const id of [2, 3, 4]) assert.ok(q.includes(`insert {"id":${id}} pending`), `op for row ${id} in ${q.join(', ')}`);
  });

  it('large values and database notices cross the socket whole', async () => {
    const c = await connectPg(server.connectionString);
    const notices: string[] = [];
    c.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      const big = 'x'.repeat(3 * 1024 * 1024) + 'end';
      await c.query('INSERT INTO todo (id, title) VALUES ($1, $2)', [70, big]);
      const r = await c.query<{ len: number; tail: string }>('SELECT length(title) AS len, right(title, 3) AS tail FROM todo WHERE id = 70');
      assert.deepEqual(r.rows, [{ len: big.length, tail: 'end' }]);
      const back = await c.query<{ title: string }>('SELECT title FROM todo WHERE id = 70');
      assert.equal(back.rows[0]!.title, big);
      await c.query(`DO $$ BEGIN RAISE NOTICE 'hello from the replica'; END $$`);
      assert.deepEqual(notices, ['hello from the replica']);
      await c.query('DELETE FROM todo WHERE id = 70');
    } finally {
      await c.end();
    }
  });

  it("psql's catalog commands work (\\d)", async () => {
    const r = await psql(server.connectionString, ['-c', '\\d todo']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /title\|text/);
    assert.match(r.stdout, /done\|boolean\|\|not null\|false/);
  });

  it('a COPY FROM STDIN that fails reports the database error, and the session goes on', async () => {
    const script = ['COPY nope FROM STDIN;', '1', '\\.', 'SELECT 42;'].join('\n');
    const failed = await psql(server.connectionString, ['-f', '-'], `${script}\n`);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /relation "nope" does not exist/);
    const dup = [`INSERT INTO todo (id, title) VALUES (80, 'first');`, 'COPY todo (id, title) FROM STDIN;', '81\tfine', '80\tduplicate', '\\.'].join('\n');
    const r = await psql(server.connectionString, ['-f', '-'], `${dup}\n`);
    assert.match(r.stderr, /duplicate key value violates unique constraint "todo_pkey"/);
    const after = await psql(server.connectionString, ['-c', 'SELECT string_agg(title, \',\' ORDER BY id) FROM todo WHERE id IN (80, 81)']);
    assert.equal(after.stdout.trim(), 'first', 'nothing of the failed COPY stays');
    await a.query('DELETE FROM todo WHERE id = 80');
  });

  it('a failed statement gives the database error and the connection goes on', async () => {
    const c = await connectPg(server.connectionString);
    try {
      await assert.rejects(c.query('INSERT INTO todo (id, title) VALUES (1, $1)', ['dup']), (e: Error & { code?: string }) => {
        assert.equal(e.code, '23505');
        return true;
      });
      await assert.rejects(c.query('SELEC 1'), (e: Error & { code?: string }) => e.code === '42601');
      const r = await c.query('SELECT $1::int + 1 AS n', [41]);
      assert.equal(r.rows[0].n, 42);
    } finally {
      await c.end();
    }
  });

  it('a rolled-back transaction leaves nothing in the queue and reports no committed write', async () => {
    const before = (await queueOf()).length;
    const changesBefore = changes.length;
    const c = await connectPg(server.connectionString);
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO todo (id, title) VALUES (90, 'nope')`);
      await c.query('ROLLBACK');
    } finally {
      await c.end();
    }
    assert.equal((await queueOf()).length, before);
    const after = changes.slice(changesBefore);
    assert.deepEqual(after.map((c) => c.tags), after.map(() => []), 'no committed tags: the views need no refresh');
    // recorded all the same (it drew sequence values a replay must draw too), ending in ROLLBACK
    assert.ok(after.every((c) => c.sql?.trimEnd().endsWith('ROLLBACK;')), JSON.stringify(after));
  });

  it('two clients both work between transactions', async () => {
    const [c1, c2] = await Promise.all([connectPg(server.connectionString), connectPg(server.connectionString)]);
    try {
      assert.equal(server.clientCount, 2);
      await Promise.all([
        c1.query(`INSERT INTO todo (id, title) VALUES (10, 'from one')`),
        c2.query(`INSERT INTO todo (id, title) VALUES (11, 'from two')`),
      ]);
      const r = await c1.query('SELECT id FROM todo WHERE id IN (10, 11) ORDER BY id');
      assert.deepEqual(r.rows.map((x) => x.id), [10, 11]);
    } finally {
      await Promise.all([c1.end(), c2.end()]);
    }
  });

  it('clients preparing statements of the same name do not collide, and their statements are freed when they leave', async () => {
    const [c1, c2] = await Promise.all([connectPg(server.connectionString), connectPg(server.connectionString)]);
    try {
      for (let i = 0; i < 3; i++) {
        const [r1, r2] = await Promise.all([
          c1.query({ name: 'by_id', text: 'SELECT title FROM todo WHERE id = $1', values: [1] }),
          c2.query({ name: 'by_id', text: 'SELECT $1::int * 2 AS twice', values: [i] }),
        ]);
        assert.deepEqual(r1.rows, [{ title: 'milk' }]);
        assert.deepEqual(r2.rows, [{ twice: i * 2 }]);
      }
    } finally {
      await Promise.all([c1.end(), c2.end()]);
    }
    const left = await within(
      (async () => {
        for (let i = 0; i < 50; i++) {
          const r = await a.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_prepared_statements WHERE name LIKE '%by_id'`);
          if (r.rows[0]!.n === 0) return 0;
          await new Promise((res) => setTimeout(res, 100));
        }
        return -1;
      })(),
      10_000,
      'statements freed',
    );
    assert.equal(left, 0, 'the prepared statements of clients that left are deallocated');
  });

  it("a second client waits for the first one's transaction, then is served", async () => {
    const [c1, c2] = await Promise.all([connectPg(server.connectionString), connectPg(server.connectionString)]);
    const notices: string[] = [];
    c2.on('notice', (n) => notices.push(n.message ?? ''));
    try {
      await c1.query('BEGIN');
      await c1.query(`INSERT INTO todo (id, title) VALUES (20, 'held')`);
      const second = c2.query('SELECT count(*)::int AS n FROM todo WHERE id = 20');
      await within(
        (async () => {
          while (!notices.length) await new Promise((r) => setTimeout(r, 50));
        })(),
        10_000,
        'the waiting notice',
      );
      await c1.query('COMMIT');
      const r = await within(second, 10_000, 'second client');
      assert.equal(r.rows[0].n, 1, 'it sees the committed row, never the open transaction');
      assert.ok(notices.some((m) => /waiting for another client's transaction/.test(m)), `notice: ${notices.join(' | ')}`);
    } finally {
      await Promise.all([c1.end(), c2.end()]);
    }
  });

  it('a client waiting longer than the limit gets a clear error, not a hang', async () => {
    const [c1, c2] = await Promise.all([connectPg(server.connectionString), connectPg(server.connectionString)]);
    try {
      await c1.query('BEGIN');
      await c1.query(`INSERT INTO todo (id, title) VALUES (30, 'long')`);
      await assert.rejects(within(c2.query('SELECT 1'), 15_000, 'waiting client'), (e: Error & { code?: string }) => {
        assert.equal(e.code, '55P03');
        assert.match(e.message, /another client's transaction on this database stayed open for 3 s/);
        return true;
      });
      await c1.query('ROLLBACK');
      const after = await within(c2.query('SELECT 3 AS three'), 10_000, 'after the rollback');
      assert.equal(after.rows[0].three, 3);
    } finally {
      await Promise.all([c1.end(), c2.end()]);
    }
  });

  it('a client that disconnects mid-transaction is rolled back and frees the database', async () => {
    const c1 = await connectPg(server.connectionString);
    await c1.query('BEGIN');
    await c1.query(`INSERT INTO todo (id, title) VALUES (40, 'abandoned')`);
    (c1 as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy();
    const c2 = await connectPg(server.connectionString);
    try {
      const r = await within(c2.query('SELECT count(*)::int AS n FROM todo WHERE id = 40'), 10_000, 'after the disconnect');
      assert.equal(r.rows[0].n, 0);
    } finally {
      await c2.end();
    }
    // the extension's own statements run again too
    assert.equal((await a.query<{ n: number }>('SELECT count(*)::int AS n FROM todo WHERE id = 40')).rows[0]!.n, 0);
    assert.ok(!(await queueOf()).some((o) => o.includes('"id":40')));
  });

  it('the extension and a client share the database without mixing transactions', async () => {
    const c = await connectPg(server.connectionString);
    try {
      await c.query('BEGIN');
      await c.query(`INSERT INTO todo (id, title) VALUES (50, 'client tx')`);
      let hostDone = false;
      const host = a.query<{ n: number }>('SELECT count(*)::int AS n FROM todo WHERE id = 50').then((r) => ((hostDone = true), r));
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(hostDone, false, 'the extension waits for the client transaction');
      await c.query('COMMIT');
      assert.equal((await within(host, 10_000, 'host query')).rows[0]!.n, 1);
    } finally {
      await c.end();
    }
  });

  it('disconnects a client idle in a transaction past the limit, rolled back', async () => {
    const s = await WireServer.start(workerProtocolTarget(a), { idleInTransactionSeconds: 1 });
    try {
      const c = await connectPg(s.connectionString);
      const ended = new Promise<void>((r) => c.once('end', () => r()));
      await c.query('BEGIN');
      await c.query(`INSERT INTO todo (id, title) VALUES (60, 'forgotten')`);
      await within(ended, 10_000, 'the idle client is disconnected');
      const r = await a.query<{ n: number }>('SELECT count(*)::int AS n FROM todo WHERE id = 60');
      assert.equal(r.rows[0]!.n, 0);
    } finally {
      await within(s.stop(), 10_000, 'stop serving');
    }
  });

  it('refuses a wrong password, a wrong user and another database with clear errors', async () => {
    const url = new URL(server.connectionString);
    url.password = 'wrong';
    const e1 = await connectPgError(url.toString());
    assert.equal(e1.code, '28P01');
    assert.match(e1.message, /password authentication failed for user "postgres"/);
    const u2 = new URL(server.connectionString);
    u2.username = 'admin';
    assert.equal((await connectPgError(u2.toString())).code, '28P01');
    const u3 = new URL(server.connectionString);
    u3.pathname = '/other';
    const e3 = await connectPgError(u3.toString());
    assert.equal(e3.code, '3D000');
    const p = await psql(url.toString(), ['-c', 'SELECT 1']);
    assert.notEqual(p.code, 0);
    assert.match(p.stderr, /password authentication failed for user "postgres"/);
    assert.ok(!p.stderr.includes(server.password), 'the real password is not echoed');
  });

  it('COPY FROM STDIN mixed with other statements is refused with a clear error, and the database lives on', async () => {
    const c = await connectPg(server.connectionString);
    try {
      await assert.rejects(c.query('SELECT 1; COPY todo FROM STDIN'), (e: Error & { code?: string }) => {
        assert.equal(e.code, '0A000');
        assert.match(e.message, /COPY FROM STDIN must be sent alone/);
        return true;
      });
      assert.equal((await c.query('SELECT 1 AS one')).rows[0].one, 1);
    } finally {
      await c.end();
    }
  });

  it('writes over the socket sync to the hub like any other, and hub writes over the socket reach the replica', async () => {
    const c = await connectPg(server.connectionString);
    try {
      await c.query(`INSERT INTO todo (id, title) VALUES (100, 'via socket')`);
    } finally {
      await c.end();
    }
    await within(playground.syncToEnd('A'), 30_000, 'sync A');
    assert.deepEqual((await hub.query(`SELECT title FROM todo WHERE id = 100`)).rows, [{ title: 'via socket' }]);
    assert.ok((await queueOf()).includes('insert {"id":100} applied'));

    const hubServer = await WireServer.start(workerProtocolTarget(hub));
    try {
      const h = await connectPg(hubServer.connectionString);
      try {
        await h.query(`UPDATE todo SET title = 'edited at the hub' WHERE id = 100`);
      } finally {
        await h.end();
      }
    } finally {
      await within(hubServer.stop(), 10_000, 'stop serving');
    }
    await within(playground.syncToEnd('A'), 30_000, 'sync A again');
    assert.deepEqual((await a.query(`SELECT title FROM todo WHERE id = 100`)).rows, [{ title: 'edited at the hub' }]);
  });

  it("stamps socket writes with the replica's clock when the target ticks it before each turn", async () => {
    const clock = playground.clock as SimulatedClock;
    clock.advance(3_600_000);
    const ticking = await WireServer.start({ ...workerProtocolTarget(a), beforeTurn: () => playground.replica('A').tickPhysical() });
    try {
      const c = await connectPg(ticking.connectionString);
      try {
        await c.query(`INSERT INTO todo (id, title) VALUES (110, 'an hour later')`);
      } finally {
        await c.end();
      }
    } finally {
      await within(ticking.stop(), 10_000, 'stop serving');
    }
    const op = (await playground.replica('A').ops()).find((o) => JSON.stringify(o.pk) === '{"id":110}');
    assert.ok(op, 'captured');
    assert.equal(parseHlc(op.hlc).wall, clock.now());
  });

  it('a client over the connection limit gets "too many clients", not a hang', async () => {
    const small = await WireServer.start(workerProtocolTarget(a), { maxClients: 1 });
    try {
      const c1 = await connectPg(small.connectionString);
      try {
        const e = await within(connectPgError(small.connectionString), 15_000, 'second connect');
        assert.equal(e.code, '53300');
        assert.match(e.message, /too many clients already \(this playground server allows 1\)/);
        assert.equal((await c1.query('SELECT 1 AS one')).rows[0].one, 1);
      } finally {
        await c1.end();
      }
    } finally {
      await within(small.stop(), 10_000, 'stop serving');
    }
  });

  it('says which port is in use', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen({ host: '127.0.0.1', port: 0 }, () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      await assert.rejects(WireServer.start(workerProtocolTarget(a), { port }), (e: unknown) => {
        assert.ok(PortInUseError.is(e));
        assert.equal((e as Error).message, `Port ${port} is in use; choose another or leave it empty for a free port.`);
        return true;
      });
    } finally {
      await new Promise((r) => blocker.close(r));
    }
  });

  it('stopping disconnects clients and frees the port', async () => {
    const s = await WireServer.start(workerProtocolTarget(a));
    const c = await connectPg(s.connectionString);
    const ended = new Promise<void>((r) => c.once('end', () => r()));
    await within(s.stop(), 10_000, 'stop');
    await within(ended, 10_000, 'client disconnect');
    const again = await WireServer.start(workerProtocolTarget(a), { port: s.port });
    await again.stop();
  });
});
