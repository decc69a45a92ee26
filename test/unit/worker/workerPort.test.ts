import assert from 'node:assert/strict';
import { DbError, ClosedError } from '../../../src/core/errors';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { WorkerExitedError } from '../../../src/db/worker/workerExitedError';
import { sqlPortContract } from '../../support/sqlPortContract';

sqlPortContract('PGlite in a worker thread', () => openPgliteWorker());

// What only the worker port has to prove on top of the contract.
describe('SQL port over a PGlite worker', () => {
  let db: WorkerSqlPort;
  before(async () => {
    db = await openPgliteWorker();
  });
  after(() => db?.close());

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

  it('refuses a call on the database from inside its own transaction instead of hanging', async () => {
    await assert.rejects(
      db.transaction(async () => {
        await db.query('SELECT 1');
      }),
      /inside its own transaction/,
    );
    assert.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
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
