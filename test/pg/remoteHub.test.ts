/**
 * The playground's hub on a real PostgreSQL server (installed through a saved connection, in a database of its
 * own), replicas on PGlite: convergence, concurrent syncs, removal, and refusing what is not ours.
 */
import assert from 'node:assert/strict';
import { ConnectionManager } from '../../src/core/connections/connectionManager';
import { ProfileStore } from '../../src/core/connections/profileStore';
import type { ProfileDraft } from '../../src/core/connections/profile';
import { PlaygroundSession, type PlaygroundDatabases } from '../../src/core/playground/playgroundSession';
import type { PlaygroundSetup } from '../../src/core/playground/playgroundSetup';
import { withRemoteHub } from '../../src/core/playground/remoteHub';
import { remoteHubSource, removeRemoteHub, type RemoteHubDeps } from '../../src/core/playground/remoteHubSource';
import type { SqlPort } from '../../src/core/sql';
import { PgConnectionDriver } from '../../src/db/connections/pgConnectionDriver';
import { PgSqlPort } from '../../src/db/pgPort';
import { openPgliteFromTemplate } from '../../src/db/template';
import { MemorySecrets, MemorySettings } from '../unit/connections/memoryBackends';
import { pg } from './hooks';

const TODO: PlaygroundSetup = {
  name: 'todos',
  schema: 'CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL, done bool NOT NULL DEFAULT false)',
  seed: `INSERT INTO todo VALUES (1, 'milk', false), (2, 'eggs', false)`,
  replicas: [
    { name: 'A', clockSkewMs: 0 },
    { name: 'B', clockSkewMs: 0 },
  ],
  rules: [],
};

/** Replicas on in-memory PGlite (each `open` a new one, as a fresh database should be). */
const pgliteReplicas: PlaygroundDatabases = { open: () => openPgliteFromTemplate() };

const rowsOf = async (db: SqlPort, sql: string) => (await db.query(sql)).rows;

describe('playground hub on a PostgreSQL server', function () {
  this.timeout(120_000);
  let deps: RemoteHubDeps;
  let app: PgSqlPort; // the connection's own database, with the user's tables
  let server: PgSqlPort; // the superuser on `postgres`, to look at the server as an administrator would
  let profileId: string;
  const sessions: PlaygroundSession[] = [];

  const draft = (over: Partial<ProfileDraft> = {}): ProfileDraft => {
    const s = pg();
    return { name: 'staging', host: s.host, port: s.port, user: s.user, database: 'rh_app', sslMode: 'disable', ...over };
  };
  const create = async (database: string, setup = TODO) => {
    const session = await PlaygroundSession.create(setup, withRemoteHub(pgliteReplicas, remoteHubSource(deps, { profileId, database })));
    sessions.push(session);
    return session;
  };
  const hubDb = (database: string) => PgSqlPort.fromConfig(pg().poolConfig(database));
  const databases = async () => (await rowsOf(server, 'SELECT datname::text AS d FROM pg_database ORDER BY 1')).map((r) => r.d as string);

  before(async () => {
    app = PgSqlPort.fromConfig(await pg().createDatabase('rh_app'));
    await app.exec(`
      CREATE TABLE public.customers (id int PRIMARY KEY, name text);
      INSERT INTO public.customers VALUES (1, 'Ada');
      CREATE SCHEMA crm;
      CREATE TABLE crm.accounts (id int PRIMARY KEY);
      INSERT INTO crm.accounts VALUES (7);
    `);
    server = PgSqlPort.fromConfig(pg().poolConfig());
    const store = new ProfileStore(new MemorySettings(), new MemorySecrets());
    deps = { store, manager: new ConnectionManager(store, new PgConnectionDriver(), () => ({ connectTimeoutMs: 10_000, statementTimeoutMs: 0 })), driver: new PgConnectionDriver(), options: () => ({ connectTimeoutMs: 10_000, statementTimeoutMs: 0 }) };
    profileId = (await store.add(draft())).id;
  });
  after(async () => {
    await Promise.allSettled(sessions.map((s) => s.close()));
    deps?.manager.dispose();
    await app?.close();
    await server?.close();
  });

  it('converges after offline writes and a conflict; the hub lives in its own database and the user tables are untouched', async () => {
    const s = await create('sync_playground_converge');
    await s.setOnline('A', false);
    await s.runSql('A', `UPDATE todo SET title = 'oat milk' WHERE id = 1; INSERT INTO todo VALUES (3, 'bread', false)`);
    await s.runSql('B', `UPDATE todo SET title = 'soy milk', done = true WHERE id = 1; DELETE FROM todo WHERE id = 2`);
    await s.sync('B');
    await s.setOnline('A', true);
    const a = await s.sync('A');
    assert.equal(a.conflicts, 1, 'A updated a row B changed first');
    await s.sync('B');
    const conflicts = await s.conflicts();
    assert.deepEqual(conflicts.map((c) => [c.replica, c.type, c.strategy]), [['A', 'update_origin_differs', 'last_writer_wins']]);

    const hub = hubDb('sync_playground_converge');
    try {
      const want = await rowsOf(hub, 'SELECT * FROM public.todo ORDER BY id');
      assert.deepEqual(want, [
        { id: 1, title: 'soy milk', done: true }, // B wrote later (simulated time moves on with every step)
        { id: 3, title: 'bread', done: false },
      ]);
      assert.deepEqual(await rowsOf(s.database('A'), 'SELECT * FROM todo ORDER BY id'), want);
      assert.deepEqual(await rowsOf(s.database('B'), 'SELECT * FROM todo ORDER BY id'), want);
      // the hub's metadata sits in the hub database, not in the connection's database
      assert.deepEqual(await rowsOf(hub, `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = '_sync'`), [{ n: 1 }]);
    } finally {
      await hub.close();
    }
    assert.deepEqual(await rowsOf(app, `SELECT nspname::text AS n FROM pg_namespace WHERE nspname IN ('_sync', 'crm', 'public') ORDER BY 1`), [
      { n: 'crm' },
      { n: 'public' },
    ]);
    assert.deepEqual(await rowsOf(app, `SELECT count(*)::int AS n FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relname = 'customers'`), [{ n: 0 }]);
  });

  it('two replicas syncing at the same time against the real hub converge', async () => {
    const s = await create('sync_playground_concurrent', {
      ...TODO,
      seed: `INSERT INTO todo SELECT g, 'item ' || g, false FROM generate_series(1, 40) g`,
    });
    await s.runSql('A', `UPDATE todo SET done = true WHERE id <= 30; INSERT INTO todo SELECT g, 'from A', false FROM generate_series(100, 119) g`);
    await s.runSql('B', `UPDATE todo SET title = 'B was here' WHERE id > 10; INSERT INTO todo SELECT g, 'from B', false FROM generate_series(200, 219) g`);
    // the engine object is shared here as two VS Code windows would share the server: pushes overlap at the hub
    const [a, b] = await Promise.all([s.playground.syncToEnd('A', { batchSize: 5 }), s.playground.syncToEnd('B', { batchSize: 5 })]);
    assert.deepEqual([a.pushed + b.pushed, a.applied + a.discarded + b.applied + b.discarded, a.rejected + b.rejected + a.failed + b.failed], [100, 100, 0]);
    await s.playground.syncAll();
    const hub = hubDb('sync_playground_concurrent');
    try {
      const want = await rowsOf(hub, 'SELECT * FROM todo ORDER BY id');
      // whichever push reached the hub first, B's later writes win the 20 rows both changed (last_writer_wins)
      assert.deepEqual(await rowsOf(hub, `SELECT count(*)::int AS n, count(*) FILTER (WHERE done)::int AS done, count(*) FILTER (WHERE title = 'B was here')::int AS b FROM todo`), [
        { n: 80, done: 10, b: 30 },
      ]);
      assert.deepEqual(await rowsOf(s.database('A'), 'SELECT * FROM todo ORDER BY id'), want);
      assert.deepEqual(await rowsOf(s.database('B'), 'SELECT * FROM todo ORDER BY id'), want);
      // nothing is left half-way: every op ended applied or discarded
      for (const r of ['A', 'B']) {
        const left = (await s.queue(r)).filter((o) => o.status !== 'applied' && o.status !== 'discarded');
        assert.deepEqual(left, [], `replica ${r}`);
      }
    } finally {
      await hub.close();
    }
  });

  it('removal drops the hub database and nothing else', async () => {
    const s = await create('sync_playground_remove');
    await s.close();
    const before = await databases();
    assert.ok(before.includes('sync_playground_remove'));
    assert.equal(await removeRemoteHub(deps, { profileId, database: 'sync_playground_remove' }), true);
    assert.deepEqual(await databases(), before.filter((d) => d !== 'sync_playground_remove'));
    assert.deepEqual(await rowsOf(app, 'SELECT * FROM public.customers'), [{ id: 1, name: 'Ada' }]);
    assert.deepEqual(await rowsOf(app, 'SELECT * FROM crm.accounts'), [{ id: 7 }]);
    assert.equal(await removeRemoteHub(deps, { profileId, database: 'sync_playground_remove' }), false, 'removing twice is a no-op');
  });

  it('says who still uses the hub database instead of dropping it from under them', async () => {
    await create('sync_playground_busy'); // left open: its pool holds connections to the hub database
    await assert.rejects(removeRemoteHub(deps, { profileId, database: 'sync_playground_busy' }), /still in use by Sync Playground/);
    assert.ok((await databases()).includes('sync_playground_busy'));
  });

  it('refuses a database that exists and is not ours (a foreign _sync schema), and changes nothing in it', async () => {
    const foreign = PgSqlPort.fromConfig(await pg().createDatabase('sync_playground_foreign'));
    try {
      await foreign.exec(`CREATE SCHEMA _sync; CREATE TABLE _sync.oplog (id int); INSERT INTO _sync.oplog VALUES (42)`);
      await assert.rejects(create('sync_playground_foreign'), /already exists on .* and was not created by Sync Playground/);
      await assert.rejects(removeRemoteHub(deps, { profileId, database: 'sync_playground_foreign' }), /was not created by Sync Playground; it will not be dropped/);
      assert.deepEqual(await rowsOf(foreign, 'SELECT * FROM _sync.oplog'), [{ id: 42 }]);
      assert.deepEqual(await rowsOf(foreign, `SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = 'public'`), [{ n: 1 }]);
    } finally {
      await foreign.close();
    }
  });

  it('a role that may not create databases gets the statements for an administrator; after them it installs', async () => {
    const { user, password } = pg().passwordUser;
    const p = await deps.store.add(draft({ name: 'limited', user, database: 'postgres' }), password);
    const open = () => PlaygroundSession.create(TODO, withRemoteHub(pgliteReplicas, remoteHubSource(deps, { profileId: p.id, database: 'sync_playground_admin' })));
    const err = await open().then(
      () => assert.fail('installed without CREATEDB'),
      (e: Error) => e,
    );
    assert.match(err.message, /may not create databases/);
    const statements = err.message.split('\n').filter((l) => /^(CREATE|COMMENT) /.test(l));
    assert.equal(statements.length, 2, err.message);
    for (const st of statements) await server.exec(st); // what the administrator runs
    const s = await open();
    sessions.push(s);
    await s.runSql('A', `INSERT INTO todo VALUES (9, 'tea', false)`);
    await s.sync('A');
    assert.deepEqual(await rowsOf(s.database('hub'), 'SELECT title FROM todo WHERE id = 9'), [{ title: 'tea' }]);
  });
});
