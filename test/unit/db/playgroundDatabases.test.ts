import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HUB, PlaygroundSession } from '../../../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../../../src/core/playground/samples';
import type { SqlPort } from '../../../src/core/sql';
import { DataDirLockedError } from '../../../src/db/dataDirLock';
import { PlaygroundDatabaseFolders } from '../../../src/db/playgroundDatabases';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';

const todo = PLAYGROUND_SAMPLES.find((s) => s.id === 'todo')!.setup;
const NAMES = [HUB, ...todo.replicas.map((r) => r.name)];
const USER_TABLES = "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')";

async function count(db: SqlPort, sql: string): Promise<number> {
  return (await db.query<{ n: number }>(sql)).rows[0]!.n;
}

async function until(what: string, cond: () => boolean): Promise<void> {
  // a liveness wait, not a timing check: the generous limit only turns a hang into a clear failure
  for (let i = 0; i < 1200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(cond(), `${what} did not happen`);
}

/** The spare folders that were claimed: symlinks to the claimers' folders (sparePool.ts). */
function claimedLinks(root: string): string[] {
  const spares = path.join(root, '.spares');
  if (!existsSync(spares)) return [];
  return readdirSync(spares).filter((e) => lstatSync(path.join(spares, e)).isSymbolicLink());
}

describe('Playground databases (the Create Playground path)', function () {
  this.timeout(120_000);
  let root: string;
  let folders: PlaygroundDatabaseFolders;
  const sessions: PlaygroundSession[] = [];
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'sp-pgdbs-'));
  });
  afterEach(async () => {
    await Promise.all(sessions.splice(0).map((s) => s.close()));
    await folders?.closeAll();
    rmSync(root, { recursive: true, force: true });
  });

  it('opens a hub and two replicas as three independent blank databases, claimed from spares started just before', async () => {
    folders = new PlaygroundDatabaseFolders({ root });
    void folders.prewarm(); // not awaited: the claims below wait for the spares still starting instead of copying the template
    const [hub, a, b] = await Promise.all(NAMES.map((n) => folders.open(n, true)));
    if (process.platform !== 'win32') assert.equal(claimedLinks(root).length, 3, 'all three came from the spares');
    for (const db of [hub!, a!, b!]) assert.equal(await count(db, USER_TABLES), 0, 'blank');
    await hub!.exec("CREATE TABLE note (body text); INSERT INTO note VALUES ('hub only')");
    await a!.exec('CREATE TABLE other (x int)');
    assert.equal(await count(a!, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'note'"), 0, 'the hub’s table is not on replica a');
    assert.equal(await count(b!, USER_TABLES), 0, 'nor is anything on replica b');
    assert.equal(await count(hub!, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename = 'other'"), 0);
    await Promise.all([hub, a, b].map((d) => d!.close()));

    // each database's data is in its own folder under the root: a plain open finds it there
    const again = await openPgliteWorker({ dataDir: path.join(root, HUB) });
    try {
      assert.deepEqual((await again.query('SELECT body FROM note')).rows, [{ body: 'hub only' }]);
    } finally {
      await again.close();
    }
  });

  it('creates a playground, then another right after and a third once spares are back: each starts from its setup only', async () => {
    folders = new PlaygroundDatabaseFolders({ root });
    void folders.prewarm();
    const seeded = async (s: PlaygroundSession) => Promise.all(NAMES.map((n) => count(s.database(n), 'SELECT count(*)::int AS n FROM todo')));

    const first = await PlaygroundSession.create(todo, folders);
    sessions.push(first);
    const seedRows = (await seeded(first))[0]!;
    assert.ok(seedRows > 0);
    assert.deepEqual(await seeded(first), [seedRows, seedRows, seedRows]);
    await first.runSql(todo.replicas[0]!.name, "INSERT INTO todo (id, title) VALUES (9001, 'written in the first playground')");
    await first.close();
    sessions.pop();

    // right after: the pool refills a few seconds after a claim, so these are served by copying the template
    const second = await PlaygroundSession.create(todo, folders);
    sessions.push(second);
    assert.deepEqual(await seeded(second), [seedRows, seedRows, seedRows], 'nothing of the first playground is left');
    await second.close();
    sessions.pop();

    void folders.prewarm();
    await until('the spares to be ready', () => folders.sparesPending === 3);
    const third = await PlaygroundSession.create(todo, folders);
    sessions.push(third);
    assert.deepEqual(await seeded(third), [seedRows, seedRows, seedRows]);
    if (process.platform !== 'win32') assert.ok(claimedLinks(root).length >= 3, 'the third came from the spares');
  });

  it('never opens a data folder twice: claimed folders stay locked, and the same name gives the same database', async () => {
    folders = new PlaygroundDatabaseFolders({ root });
    void folders.prewarm();
    const session = await PlaygroundSession.create(todo, folders);
    sessions.push(session);
    for (const n of NAMES) {
      await assert.rejects(openPgliteWorker({ dataDir: path.join(root, n) }), (e: unknown) => DataDirLockedError.is(e), n);
    }
    // re-opening a stored database that is open already hands out the open one, not a second instance
    assert.equal(await folders.open(HUB, false), session.database(HUB));
    await session.close();
    sessions.pop();
    const reopened = await openPgliteWorker({ dataDir: path.join(root, HUB) });
    await reopened.close();
  });

  it('keeps no spares when prewarming is switched off, and stops spares nobody claimed', async () => {
    let on = false;
    folders = new PlaygroundDatabaseFolders({ root, prewarm: () => on, spareIdleMs: 300 });
    void folders.prewarm();
    assert.equal(folders.sparesPending, 0, 'switched off: nothing starts');
    const db = await folders.open(HUB, true);
    assert.equal(await count(db, USER_TABLES), 0, 'a database is still made, from the template');
    await db.close();

    if (process.platform === 'win32') return;
    on = true;
    void folders.prewarm();
    assert.ok(folders.sparesPending > 0, 'switched on: spares start');
    await until('the unclaimed spares to stop', () => folders.sparesPending === 0);
    await until('their folders to go', () => readdirSync(path.join(root, '.spares')).length === 0);
  });
});
