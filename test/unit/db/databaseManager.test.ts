import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClosedError, InvalidInputError } from '../../../src/core/errors';
import { DatabaseManager } from '../../../src/db/databaseManager';
import { WorkerExitedError } from '../../../src/db/worker/workerExitedError';

async function until(what: string, cond: () => boolean): Promise<void> {
  // a liveness wait, not a timing check: the generous limit only turns a hang into a clear failure
  for (let i = 0; i < 600 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), `${what} did not happen`);
}

describe('DatabaseManager', () => {
  let root: string;
  let manager: DatabaseManager;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sp-manager-'));
  });
  afterEach(async () => {
    await manager?.closeAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('starts nothing until a database is used', async () => {
    manager = new DatabaseManager({ root });
    const hub = manager.database('hub');
    assert.equal(hub.isOpen, false);
    assert.ok(!existsSync(hub.dataDir), 'no folder before the first statement');
    assert.equal((await hub.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
    assert.equal(hub.isOpen, true);
  });

  it('opens a hub and two replicas side by side, each with its own data', async () => {
    manager = new DatabaseManager({ root });
    const [hub, a, b] = await manager.open(['hub', 'replica-a', 'replica-b']);
    assert.ok(hub!.isOpen && a!.isOpen && b!.isOpen);
    await Promise.all([hub, a, b].map((db, i) => db!.exec(`CREATE TABLE who (name text); INSERT INTO who VALUES ('db${i}')`)));
    const names = await Promise.all([hub, a, b].map(async (db) => (await db!.query<{ name: string }>('SELECT name FROM who')).rows));
    assert.deepEqual(names, [[{ name: 'db0' }], [{ name: 'db1' }], [{ name: 'db2' }]]);
    const threads = new Set([hub, a, b].map((db) => db!.port!.worker.threadId));
    assert.equal(threads.size, 3, 'one worker thread per database');
  });

  it('stops an idle database and reopens it with its data on the next statement', async () => {
    manager = new DatabaseManager({ root, idleCloseMs: 100 });
    const db = manager.database('hub');
    await db.exec("CREATE TABLE kept (v text); INSERT INTO kept VALUES ('still here')");
    await until('the idle close', () => !db.isOpen);
    const r = await db.query<{ v: string }>('SELECT v FROM kept');
    assert.deepEqual(r.rows, [{ v: 'still here' }]);
  });

  it('keeps a database whose session holds state (a transaction, a temp table) open, and stops it once that is gone', async () => {
    manager = new DatabaseManager({ root, idleCloseMs: 100 });
    const db = manager.database('hub');
    await db.exec("CREATE TABLE kept (v text); BEGIN; INSERT INTO kept VALUES ('uncommitted')");
    // a liveness wait for the idle timer to have fired several times; it must not end the transaction
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(db.isOpen, true, 'an open transaction keeps the database running');
    await db.exec('COMMIT; CREATE TEMP TABLE scratch (x int)');
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(db.isOpen, true, 'a temp table keeps it running too');
    await db.exec('DROP TABLE scratch');
    await until('the idle close', () => !db.isOpen);
    assert.deepEqual((await db.query('SELECT v FROM kept')).rows, [{ v: 'uncommitted' }], 'the committed row is there after the reopen');
  });

  it('drops a database: its name is free at once for a new blank one, and the old folder is deleted by closeAll', async () => {
    manager = new DatabaseManager({ root });
    await manager.database('hub').exec("CREATE TABLE old (v text); INSERT INTO old VALUES ('gone')");
    await manager.drop('hub');
    assert.ok(!existsSync(path.join(root, 'hub')), 'the folder left its place');
    const fresh = manager.database('hub');
    const r = await fresh.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'old'");
    assert.equal(r.rows[0]!.n, 0, 'the new database is blank');
    await manager.closeAll();
    assert.deepEqual(readdirSync(path.join(root, '.trash')), [], 'the dropped folder is deleted');
  });

  it('starts a new worker after the old one died', async () => {
    manager = new DatabaseManager({ root });
    const db = manager.database('hub');
    await db.exec('CREATE TABLE t (id int); INSERT INTO t VALUES (1)');
    const pending = db.query('SELECT count(*) FROM generate_series(1, 50000000)');
    await db.port!.worker.terminate();
    await assert.rejects(pending, (e: unknown) => WorkerExitedError.is(e));
    const r = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM t');
    assert.equal(r.rows[0]!.n, 1);
  });

  it('rejects names that are not plain folder names', () => {
    manager = new DatabaseManager({ root });
    for (const bad of ['../escape', 'a/b', '', '.hidden']) {
      assert.throws(() => manager.database(bad), (e: unknown) => InvalidInputError.is(e), bad);
    }
  });

  it('closes every database on closeAll and refuses new work', async () => {
    manager = new DatabaseManager({ root });
    const dbs = await manager.open(['hub', 'replica-a']);
    const hub = dbs[0];
    await manager.closeAll();
    assert.deepEqual(dbs.map((d) => d.isOpen), [false, false]);
    await assert.rejects(hub!.query('SELECT 1'), (e: unknown) => ClosedError.is(e));
    assert.throws(() => manager.database('hub'), (e: unknown) => ClosedError.is(e));
  });
});
