import assert from 'node:assert/strict';
import { DbError, ClosedError } from '../../../src/core/errors';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { WorkerExitedError } from '../../../src/db/worker/workerExitedError';

// The same checks as test/unit/sqlPort.test.ts, against PGlite in a worker thread.
describe('SQL port over a PGlite worker', () => {
  let db: WorkerSqlPort;
  before(async () => {
    db = await openPgliteWorker();
  });
  after(() => db?.close());

  it('runs a parameterised query', async () => {
    const r = await db.query<{ a: number; t: string }>('SELECT $1::int + 2 AS a, $2::text AS t', [40, 'x']);
    assert.deepEqual(r.rows, [{ a: 42, t: 'x' }]);
    assert.deepEqual(r.fields.map((f) => f.name), ['a', 't']);
    assert.equal(r.fields[0]!.dataTypeID, 23);
  });

  it('brings back dates, json and bytea with their types', async () => {
    const r = await db.query<{ d: Date; j: unknown; b: Uint8Array }>(
      "SELECT '2024-01-02T03:04:05Z'::timestamptz AS d, '{\"k\":[1,2]}'::jsonb AS j, '\\x0102'::bytea AS b",
    );
    const row = r.rows[0]!;
    assert.ok(row.d instanceof Date);
    assert.equal(row.d.toISOString(), '2024-01-02T03:04:05.000Z');
    assert.deepEqual(row.j, { k: [1, 2] });
    assert.deepEqual([...row.b], [1, 2]);
  });

  it('keeps SQL, parameters, code and position on errors', async () => {
    await assert.rejects(db.query('SELECT nope FROM pg_class WHERE relname = $1', ['x']), (e: unknown) => {
      assert.ok(e instanceof DbError, 'rebuilt as a DbError instance on the host');
      assert.equal(e.code, '42703');
      assert.equal(e.position, 8);
      assert.equal(e.sql, 'SELECT nope FROM pg_class WHERE relname = $1');
      assert.deepEqual(e.params, ['x']);
      assert.match(e.message, /nope/);
      return true;
    });
  });

  it('keeps detail, constraint and table on a constraint violation', async () => {
    await db.exec('CREATE TABLE t_uniq (id int PRIMARY KEY)');
    await db.query('INSERT INTO t_uniq VALUES (1)');
    await assert.rejects(db.query('INSERT INTO t_uniq VALUES ($1)', [1]), (e: unknown) => {
      assert.ok(DbError.is(e));
      assert.equal(e.code, '23505');
      assert.equal(e.constraint, 't_uniq_pkey');
      assert.equal(e.table, 't_uniq');
      assert.match(e.detail ?? '', /Key \(id\)=\(1\) already exists/);
      return true;
    });
  });

  it('commits a transaction and rolls back a failed one', async () => {
    await db.exec('CREATE TABLE t_tx (id int PRIMARY KEY)');
    const out = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_tx VALUES ($1)', [1]);
      return 'done';
    });
    assert.equal(out, 'done');
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx VALUES ($1)', [2]);
        await tx.query('INSERT INTO t_tx VALUES ($1)', [1]); // duplicate key
      }),
      (e: unknown) => DbError.is(e) && e.code === '23505',
    );
    const r = await db.query<{ id: number }>('SELECT id FROM t_tx ORDER BY id');
    assert.deepEqual(r.rows.map((x) => x.id), [1]);
  });

  it('lets nothing interleave with an open transaction', async () => {
    await db.exec('CREATE TABLE t_iso (id int)');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const tx = db.transaction(async (t) => {
      await t.query('INSERT INTO t_iso VALUES (1)');
      await gate;
      throw new Error('abort on purpose');
    });
    // issued while the transaction is open: must run after its ROLLBACK, so it sees no row and is not rolled back
    const outside = db.query('INSERT INTO t_iso VALUES (2)');
    release();
    await assert.rejects(tx, /abort on purpose/);
    await outside;
    const r = await db.query<{ id: number }>('SELECT id FROM t_iso ORDER BY id');
    assert.deepEqual(r.rows.map((x) => x.id), [2]);
  });

  it('refuses a call on the database from inside its own transaction instead of hanging', async () => {
    await assert.rejects(
      db.transaction(async () => {
        await db.query('SELECT 1');
      }),
      /inside its own transaction/,
    );
    assert.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
  });

  it('runs several statements with exec and returns one result each', async () => {
    const rs = await db.exec(
      'CREATE TABLE t_exec (id int); INSERT INTO t_exec VALUES (1),(2); SELECT count(*)::int AS n FROM t_exec',
    );
    assert.equal(rs.length, 3);
    assert.equal((rs[2]!.rows[0] as { n: number }).n, 2);
  });

  it('pages a cursor as arrays and keeps duplicate column names', async () => {
    const c = await db.cursor('SELECT g AS n, g * 2 AS n FROM generate_series(1, $1::int) g ORDER BY g', [2500]);
    assert.deepEqual(c.fields.map((f) => f.name), ['n', 'n']);
    const pages: unknown[][][] = [];
    for (let page = await c.read(1000); page.length; page = await c.read(1000)) pages.push(page);
    await c.close();
    assert.deepEqual(pages.map((p) => p.length), [1000, 1000, 500]);
    assert.deepEqual(pages[2]![499], [2500, 5000]);
    await assert.rejects(c.read(10), (e: unknown) => ClosedError.is(e));
  });

  it('reports a failing cursor statement as a DbError', async () => {
    await assert.rejects(db.cursor('SELECT * FROM no_such_table'), (e: unknown) => DbError.is(e) && e.code === '42P01');
  });
});

describe('PGlite worker lifetime', () => {
  it('rejects pending and later calls with a clear error when the worker dies', async () => {
    const db = await openPgliteWorker();
    const slow = db.query('SELECT count(*) FROM generate_series(1, 50000000)');
    await new Promise((r) => setTimeout(r, 50));
    await db.worker.terminate(); // what a crash looks like from the host: the thread is gone
    await assert.rejects(slow, (e: unknown) => WorkerExitedError.is(e) && /stopped unexpectedly/.test(e.message));
    await assert.rejects(db.query('SELECT 1'), (e: unknown) => WorkerExitedError.is(e));
    assert.equal(db.isOpen, false);
    await db.close(); // closing a dead database is allowed and quiet
  });

  it('rejects calls after close', async () => {
    const db = await openPgliteWorker();
    await db.close();
    await assert.rejects(db.query('SELECT 1'), (e: unknown) => ClosedError.is(e));
  });

  it('keeps the main thread running timers while a worker opens a database', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const db = await openPgliteWorker();
      await db.close();
    } finally {
      clearInterval(timer);
    }
    // an in-thread open blocks this thread from start to end, so the timer could fire at most once
    assert.ok(ticks >= 3, `the timer fired ${ticks} times while the database opened`);
  });
});
