import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataDirLockedError, LOCK_FILE, lockDataDir } from '../../../src/db/dataDirLock';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';

describe('PGlite data directories', () => {
  let root: string;
  before(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sp-datadir-'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('creates a database from the template and keeps its data across a reopen', async () => {
    const dir = path.join(root, 'reopen');
    const db = await openPgliteWorker({ dataDir: dir });
    await db.exec("CREATE TABLE notes (id int PRIMARY KEY, body text); INSERT INTO notes VALUES (1, 'kept')");
    await db.close();
    const again = await openPgliteWorker({ dataDir: dir });
    try {
      const r = await again.query<{ body: string }>('SELECT body FROM notes WHERE id = 1');
      assert.deepEqual(r.rows, [{ body: 'kept' }]);
    } finally {
      await again.close();
    }
  });

  it('refuses a second open of the same folder in this process, naming the folder', async () => {
    const dir = path.join(root, 'twice');
    const db = await openPgliteWorker({ dataDir: dir, purpose: 'replica a' });
    try {
      await assert.rejects(openPgliteWorker({ dataDir: dir }), (e: unknown) => {
        assert.ok(DataDirLockedError.is(e));
        assert.ok(e.message.includes(dir), e.message);
        assert.match(e.message, /already open in this process \(replica a/);
        return true;
      });
      // the refused open must not have broken the first one
      assert.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
    } finally {
      await db.close();
    }
    const reopened = await openPgliteWorker({ dataDir: dir });
    await reopened.close();
  });

  describe('held by another process', () => {
    let child: ChildProcess | undefined;
    afterEach(() => {
      child?.kill('SIGKILL');
      child = undefined;
    });

    it('refuses the folder while that process lives and takes it over once it is gone', async () => {
      const dir = path.join(root, 'other-process');
      const lockModule = path.resolve(__dirname, '../../../src/db/dataDirLock.ts');
      const script = `require(${JSON.stringify(lockModule)}).lockDataDir(${JSON.stringify(dir)}, 'the other one');
        process.stdout.write('locked\\n'); setInterval(() => {}, 1000);`;
      child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((resolve, reject) => {
        child!.stdout!.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
        child!.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
      });
      assert.throws(
        () => lockDataDir(dir),
        (e: unknown) =>
          DataDirLockedError.is(e) && e.owner.pid === child!.pid && e.message.includes(dir) && /the other one/.test(e.message),
      );
      // killed without cleanup: its lock file stays behind, and must not lock the folder forever
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await exited;
      assert.ok(existsSync(path.join(dir, LOCK_FILE)));
      const lock = lockDataDir(dir, 'us');
      lock.release();
      assert.ok(!existsSync(path.join(dir, LOCK_FILE)));
    });
  });

  it('refuses to turn a folder holding other files into a database', async () => {
    const dir = path.join(root, 'not-a-db');
    lockDataDir(dir).release(); // creates it
    writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    await assert.rejects(openPgliteWorker({ dataDir: dir }), /not a database folder and is not empty/);
    assert.ok(existsSync(path.join(dir, 'notes.txt')));
    assert.ok(!existsSync(path.join(dir, LOCK_FILE)), 'a failed open releases the folder');
  });
});
