import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseManager } from '../../../src/db/databaseManager';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../../src/db/dataDirLock';
import { SparePool } from '../../../src/db/sparePool';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import type { SqlPort } from '../../../src/core/sql';

const USER_TABLES = "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')";

async function userTables(db: SqlPort): Promise<number> {
  return (await db.query<{ n: number }>(USER_TABLES)).rows[0]!.n;
}

describe('Spare databases', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sp-spares-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('gives a hub and two replicas blank, independent databases that stay in their own folders', async () => {
    const manager = new DatabaseManager({ root, spares: 3 });
    await manager.prewarm();
    if (process.platform === 'win32') return; // no spares there (see sparePool.ts)
    assert.equal(manager.sparesReady, 3);
    const [hub, a, b] = await manager.open(['hub', 'replica-a', 'replica-b']);
    assert.equal(manager.sparesReady, 0, 'all three were claimed');
    for (const db of [hub!, a!, b!]) assert.equal(await userTables(db), 0, `${db.name} is blank`);
    await hub!.exec("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('only on the hub')");
    assert.equal(await userTables(a!), 0, 'a write on the hub is not on replica a');
    assert.equal(await userTables(b!), 0, 'nor on replica b');
    await manager.closeAll();
    assert.deepEqual(readdirSync(path.join(root, '.spares')), [], 'no spare folder or symlink is left');

    // the data is in the hub's own folder: a plain open (no pool) finds it
    const again = await openPgliteWorker({ dataDir: path.join(root, 'hub') });
    try {
      assert.deepEqual((await again.query('SELECT body FROM notes')).rows, [{ body: 'only on the hub' }]);
    } finally {
      await again.close();
    }
  });

  it('hands each spare to one claimer only, and the rest copy the template', async function () {
    if (process.platform === 'win32') this.skip();
    const pool = new SparePool({ folder: path.join(root, '.spares'), size: 2 });
    await pool.fill();
    const locks = ['x', 'y', 'z'].map((n) => lockDataDir(path.join(root, n), n));
    const claimed = await Promise.all(locks.map((l) => pool.claim(l)));
    const ports = claimed.filter((p): p is WorkerSqlPort => !!p);
    try {
      assert.equal(ports.length, 2, 'two spares, two claims served');
      assert.notEqual(ports[0]!.worker.threadId, ports[1]!.worker.threadId);
      const unserved = locks[claimed.indexOf(undefined)]!;
      assert.deepEqual(readdirSync(unserved.dir), [LOCK_FILE], 'the unserved folder is left as it was');
      await ports[0]!.exec('CREATE TABLE mine (x int)');
      assert.equal(await userTables(ports[1]!), 0);
    } finally {
      await Promise.all(ports.map((p) => p.close()));
      for (const l of locks) l.release();
      await pool.close();
    }
  });

  it('keeps the claimed folder locked until the database closes', async function () {
    if (process.platform === 'win32') this.skip();
    const manager = new DatabaseManager({ root, spares: 1 });
    await manager.prewarm();
    const hub = manager.database('hub');
    await hub.open();
    assert.equal(manager.sparesReady, 0, 'the hub is the spare');
    try {
      await assert.rejects(openPgliteWorker({ dataDir: hub.dataDir }), (e: unknown) => DataDirLockedError.is(e));
    } finally {
      await manager.closeAll();
    }
    assert.ok(!existsSync(path.join(hub.dataDir, LOCK_FILE)), 'the lock went with the database');
    const reopened = await openPgliteWorker({ dataDir: hub.dataDir });
    await reopened.close();
  });

  it('stops unclaimed spares and deletes their folders on close', async function () {
    if (process.platform === 'win32') this.skip();
    const pool = new SparePool({ folder: path.join(root, '.spares'), size: 2 });
    await pool.fill();
    const ports: WorkerSqlPort[] = [];
    const lock = lockDataDir(path.join(root, 'kept'));
    ports.push((await pool.claim(lock))!);
    // the spare still waiting is stopped by close; the claimed one is its claimer's to close
    const exited = new Promise<void>((resolve) => ports[0]!.worker.once('exit', () => resolve()));
    await pool.close();
    assert.equal(pool.available, 0);
    assert.equal(ports[0]!.isOpen, true, 'a claimed database outlives the pool');
    const left = readdirSync(path.join(root, '.spares'));
    assert.equal(left.length, 1, 'only the claimed database’s link is left');
    assert.ok(lstatSync(path.join(root, '.spares', left[0]!)).isSymbolicLink());
    await ports[0]!.close();
    await exited;
    assert.deepEqual(readdirSync(path.join(root, '.spares')), []);
    const late = lockDataDir(path.join(root, 'late'));
    assert.equal(await pool.claim(late), undefined, 'a closed pool hands out nothing');
    late.release();
    lock.release();
  });
});
