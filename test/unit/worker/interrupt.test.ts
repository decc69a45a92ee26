import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DbError } from '../../../src/core/errors';
import { PortQuerySession } from '../../../src/core/query/portQuerySession';
import { QueryConsole } from '../../../src/core/query/queryConsole';
import type { QueryRun } from '../../../src/core/query/queryRun';
import { splitStatements } from '../../../src/core/query/splitStatements';
import type { InterruptScope } from '../../../src/core/sql';
import { DataDirLockedError, lockDataDir } from '../../../src/db/dataDirLock';
import { DatabaseManager } from '../../../src/db/databaseManager';
import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { RunRecorder, runScript } from '../query/runRecorder';

const SLEEP = 'SELECT pg_sleep(30)';
/** Never ends on its own: each step adds one row to count, forever. */
const ENDLESS = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r';

/** A hang becomes a clear failure instead of a mocha timeout. Not a timing assertion: the limit is generous. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/**
 * Presses Cancel until the run ends: the first press can arrive before the statement has reached the worker (it
 * is still waiting for the database), when there is nothing to stop yet; a person presses again too.
 */
async function cancelUntilDone(run: QueryRun): Promise<void> {
  let done = false;
  void run.done.finally(() => (done = true));
  for (let i = 0; i < 100 && !done; i++) {
    await run.cancel();
    await Promise.race([run.done, new Promise((r) => setTimeout(r, 200))]);
  }
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 20));
}

async function start(qc: QueryConsole, sql: string) {
  const rec = new RunRecorder();
  const run = await qc.run(splitStatements(sql), { target: 'test', rowCap: 100 }, rec);
  return { run, rec };
}

const count = async (db: { query: WorkerSqlPort['query'] }) =>
  (await db.query<{ xs: number[] | null }>('SELECT array_agg(x ORDER BY x) AS xs FROM kept')).rows[0]!.xs;

describe('stopping a statement on an embedded database on disk', () => {
  let dir: string;
  let db: WorkerSqlPort;
  let timeoutMs = 0;
  let qc: QueryConsole;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sp-interrupt-'));
    // as the replication playground opens its databases: relaxed durability, which must still keep every commit
    db = await openPgliteWorker({ dataDir: path.join(dir, 'db'), relaxedDurability: true, purpose: 'interrupt test' });
    await db.exec('CREATE TABLE kept (x int)');
    qc = new QueryConsole(() => openQuerySession(db, { statementTimeoutMs: () => timeoutMs }));
  });
  afterEach(() => (timeoutMs = 0));
  after(async () => {
    await qc?.close();
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('Cancel stops pg_sleep(30): the run says the database was restarted, commits survive, an open transaction is rolled back', async () => {
    await runScript(qc, 'INSERT INTO kept VALUES (1)');
    // a transaction left open by the previous run, as BEGIN in a script does
    await runScript(qc, 'BEGIN; INSERT INTO kept VALUES (2)');
    assert.equal((await runScript(qc, 'SELECT 1')).run.cancelBehaviour, 'interrupts');
    const { run, rec } = await start(qc, `INSERT INTO kept VALUES (3); ${SLEEP}; INSERT INTO kept VALUES (4)`);
    await within(30_000, until(() => rec.snapshots.at(-1)?.statements.length === 1), 'the first statement');
    await within(60_000, cancelUntilDone(run), 'the cancel');
    const final = await run.done;
    assert.equal(final.state, 'cancelled');
    assert.equal(final.error?.code, '57014');
    assert.equal(final.error?.index, 1);
    assert.match(final.error!.message, /^Query cancelled: the embedded database was restarted to stop it; committed data is intact\.$/);
    assert.match(final.error!.detail!, /transaction left open in this session, was rolled back/);
    assert.equal(db.isOpen, true);
    // 2 and 3 were in the open transaction; 4 never ran
    assert.deepEqual(await count(db), [1]);
    const after = await runScript(qc, 'INSERT INTO kept VALUES (5); SELECT count(*) FROM kept');
    assert.equal(after.final.state, 'done');
    assert.deepEqual(after.rec.rowsOf(1), [['2']]);
  });

  it('the folder stays locked while the database restarts and after: it is never open twice', async () => {
    const { run } = await start(qc, SLEEP);
    await within(60_000, cancelUntilDone(run), 'the cancel');
    assert.throws(() => lockDataDir(path.join(dir, 'db')), (e: unknown) => DataDirLockedError.is(e) && e.sameProcess);
    assert.deepEqual((await db.query<{ n: number }>('SELECT 1 AS n')).rows, [{ n: 1 }]);
  });

  it('the statement timeout stops an endless WITH RECURSIVE with a message naming the setting', async () => {
    timeoutMs = 1000;
    const { final } = await within(60_000, runScript(qc, `INSERT INTO kept VALUES (6); ${ENDLESS}`), 'the timed-out run');
    assert.equal(final.state, 'failed');
    assert.equal(final.error?.code, '57014');
    assert.match(final.error!.message, /^Statement timeout: the statement ran longer than 1 s \(syncPlayground\.statementTimeoutSeconds\), so the embedded database was restarted/);
    timeoutMs = 0;
    assert.deepEqual(await count(db), [1, 5, 6]);
  });

  it('the timeout also stops a page of rows that takes too long (fetch more from an open portal)', async () => {
    // the first pages come at once; row 1001 takes 30 s
    const { run, final } = await runScript(qc, "SELECT n FROM generate_series(1, 2000) n WHERE n <= 1000 OR pg_sleep(30)::text = 'x'", 1);
    assert.equal(final.statements[0]!.hasMore, true);
    timeoutMs = 1000;
    await assert.rejects(within(60_000, run.fetchMore(final.statements[0]!.resultId, 2000), 'fetch more'), (e: unknown) => DbError.is(e) && /^Statement timeout/.test(e.message));
    timeoutMs = 0;
    assert.deepEqual((await runScript(qc, 'SELECT 7')).rec.rowsOf(0), [[7]]);
  });

  it('Cancel stops only its own session: a statement of someone else (a sync) is not touched', async () => {
    const mine: InterruptScope = { statementTimeoutMs: () => 0 };
    const other = db.query<{ n: number }>('SELECT 42 AS n FROM pg_sleep(0.5)');
    assert.equal(await db.interrupt(mine), false);
    assert.deepEqual((await other).rows, [{ n: 42 }]);
  });

  it('a session over the port (as the hub and replica targets run SQL) stops a long write and keeps the table as it was', async () => {
    const pqc = new QueryConsole(async () => new PortQuerySession(db));
    try {
      const { run } = await start(pqc, 'UPDATE kept SET x = x + 100 WHERE pg_sleep(30) IS NOT NULL');
      assert.equal(run.cancelBehaviour, 'interrupts');
      await within(60_000, cancelUntilDone(run), 'the cancel');
      assert.equal((await run.done).state, 'cancelled');
      assert.match((await run.done).error!.message, /^Query cancelled/);
      assert.deepEqual(await count(db), [1, 5, 6]);
    } finally {
      await pqc.close();
    }
  });

  it('close() during a running statement returns, frees the folder, and the data is there on the next open', async () => {
    const port = await openPgliteWorker({ dataDir: path.join(dir, 'closing') });
    await port.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)');
    const running = port.exec(`BEGIN; INSERT INTO kept VALUES (2); ${SLEEP}`);
    await new Promise((r) => setTimeout(r, 200)); // let it reach the worker (either way close must return)
    await within(60_000, port.close(), 'close');
    await assert.rejects(running);
    const again = await openPgliteWorker({ dataDir: path.join(dir, 'closing') });
    try {
      assert.deepEqual(await count(again), [1]);
    } finally {
      await again.close();
    }
  });
});

describe('stopping a statement: the playground database (managed) and an in-memory one', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sp-interrupt-managed-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the playground database: Cancel restarts it and it goes on with its data', async () => {
    const manager = new DatabaseManager({ root });
    const db = manager.database('playground');
    const qc = new QueryConsole(() => openQuerySession(db));
    try {
      await db.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)');
      const { run } = await start(qc, ENDLESS);
      assert.equal(run.cancelBehaviour, 'interrupts');
      await within(60_000, cancelUntilDone(run), 'the cancel');
      assert.equal((await run.done).state, 'cancelled');
      assert.deepEqual(await count(db), [1]);
      assert.deepEqual((await runScript(qc, 'SELECT count(*) FROM kept')).rec.rowsOf(0), [['1']]);
    } finally {
      await qc.close();
      await manager.closeAll();
    }
  });

  it('an in-memory database is never restarted (it would be lost): cancel skips the statements after the running one', async () => {
    const db = await openPgliteWorker();
    const qc = new QueryConsole(() => openQuerySession(db, { statementTimeoutMs: () => 100 }));
    try {
      assert.equal(db.canInterrupt, false);
      await db.exec('CREATE TABLE kept (x int); INSERT INTO kept VALUES (1)');
      // the timeout does not apply either: the statement ends on its own
      const { run } = await start(qc, 'SELECT pg_sleep(0.5); INSERT INTO kept VALUES (2)');
      assert.equal(run.cancelBehaviour, 'between-statements');
      await run.cancel();
      const final = await within(30_000, run.done, 'the run');
      assert.equal(final.state, 'cancelled');
      assert.deepEqual(await count(db), [1]);
    } finally {
      await qc.close();
      await db.close();
    }
  });
});
