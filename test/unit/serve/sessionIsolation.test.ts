import assert from 'node:assert/strict';
import type pg from 'pg';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { workerProtocolTarget } from '../../../src/db/serve/protocolTarget';
import { WireServer } from '../../../src/db/serve/wireServer';
import { connectPg, psql } from './serveHelpers';

// Clients of one served database share its one PostgreSQL session; each must still see a session of its own.
describe('Each client of the localhost server has a session of its own', function () {
  this.timeout(120_000);
  let db: WorkerSqlPort;
  let server: WireServer;
  const clients: pg.Client[] = [];

  before(async () => {
    db = await openPgliteWorker();
    await db.exec('CREATE SCHEMA app; CREATE TABLE app.note (id int PRIMARY KEY, body text); CREATE TABLE public.note (id int PRIMARY KEY, body text)');
    server = await WireServer.start(workerProtocolTarget(db), { lockWaitSeconds: 5 });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
  });
  after(async () => {
    await server?.stop();
    await db?.close();
  });

  async function client(options: Partial<pg.ClientConfig> = {}): Promise<pg.Client & { notices: string[] }> {
    const c = Object.assign(await connectPg(server.connectionString, options), { notices: [] as string[] });
    c.on('notice', (n) => c.notices.push(`${n.severity}: ${n.message}`));
    clients.push(c);
    return c;
  }
  const one = async (c: pg.Client, sql: string) => Object.values((await c.query(sql)).rows[0] as object)[0] as unknown;

  it("a client's SET, set_config and search_path are its own, and come back on its next turn", async () => {
    const [a, b] = [await client(), await client()];
    await a.query("SET TimeZone = 'Asia/Tokyo'");
    await a.query('SET search_path TO app, public');
    await a.query("SELECT set_config('app.user', '42', false)");
    await a.query("INSERT INTO note VALUES (1, 'in app')"); // unqualified: app.note for a

    assert.equal(await one(b, 'SHOW TimeZone'), 'UTC');
    const { rows } = await db.query<{ search_path: string }>('SHOW search_path');
    assert.equal(await one(b, 'SHOW search_path'), rows[0]!.search_path, "the database's own search_path");
    assert.equal(await one(b, "SELECT coalesce(current_setting('app.user', true), '') AS v"), '');
    await b.query("INSERT INTO note VALUES (1, 'in public')"); // unqualified: public.note for b

    assert.equal(await one(a, 'SHOW TimeZone'), 'Asia/Tokyo');
    assert.equal(await one(a, 'SHOW search_path'), 'app, public');
    assert.equal(await one(a, "SELECT current_setting('app.user')"), '42');
    assert.equal(await one(a, 'SELECT body FROM note WHERE id = 1'), 'in app');
    assert.equal(await one(b, 'SELECT body FROM note WHERE id = 1'), 'in public');

    // RESET in a later turn takes the client back to the default, for good
    await a.query('RESET TimeZone');
    await b.query('SELECT 1');
    assert.equal(await one(a, 'SHOW TimeZone'), 'UTC');
  });

  it("the extension's own session settings survive a client's turn, and a client's never reach the extension", async () => {
    await db.exec("SET search_path TO app, public; SET DateStyle = 'German'");
    try {
      const a = await client();
      await a.query("SET DateStyle = 'SQL, DMY'");
      await a.query("SET search_path TO public; SET TimeZone = 'America/New_York'");
      const r = await db.query<{ ds: string; sp: string; tz: string }>("SELECT current_setting('DateStyle') AS ds, current_setting('search_path') AS sp, current_setting('TimeZone') AS tz");
      assert.deepEqual(r.rows[0], { ds: 'German, DMY', sp: 'app, public', tz: 'UTC' });
    } finally {
      await db.exec('RESET search_path; RESET DateStyle');
    }
  });

  it('startup parameters (application_name, options -c) are the client\'s settings and are reported to it', async () => {
    const a = await client({ application_name: 'billing-app', options: '-c search_path=app,public -c statement_timeout=5s' });
    const b = await client();
    assert.equal(await one(a, 'SHOW search_path'), 'app,public'); // as PostgreSQL shows a -c value: as given
    assert.equal(await one(a, 'SHOW statement_timeout'), '5s');
    assert.equal(await one(a, 'SHOW application_name'), 'billing-app');
    assert.equal(await one(b, 'SHOW statement_timeout'), '0');
    assert.equal(await one(b, 'SHOW application_name'), '');
  });

  it('a bad setting in the startup packet ends the connection with the reason, as PostgreSQL does', async () => {
    const c = await connectPg(server.connectionString, { options: '-c TimeZone=Mars/Olympus' });
    clients.push(c);
    await assert.rejects(c.query('SELECT 1'), /invalid setting for this connection: .*TimeZone/);
  });

  it("SQL prepared statements are each client's own: same names never collide, and they last across turns", async () => {
    const [a, b] = [await client(), await client()];
    await a.query('PREPARE twice AS SELECT $1::int * 2 AS v');
    await assert.rejects(b.query('EXECUTE twice(1)'), /prepared statement "twice" does not exist/);
    await b.query("PREPARE twice AS SELECT 'b''s own' AS v");
    assert.equal(await one(a, 'EXECUTE twice(21)'), 42);
    assert.equal(await one(b, 'EXECUTE twice'), "b's own");
    await a.query('DEALLOCATE twice');
    await assert.rejects(a.query('EXECUTE twice(1)'), /does not exist/);
    assert.equal(await one(b, 'EXECUTE twice'), "b's own");
  });

  it("DISCARD ALL and DEALLOCATE ALL clear the client's own session only", async () => {
    const [a, b] = [await client(), await client()];
    const named = { name: 'by_id', text: 'SELECT $1::int + 1 AS v', values: [1] };
    assert.equal((await b.query(named)).rows[0].v, 2);
    await b.query('PREPARE b_sql AS SELECT 7 AS v');
    await a.query("SET TimeZone = 'Asia/Tokyo'");
    await a.query('PREPARE a_sql AS SELECT 1');
    await a.query({ name: 'a_named', text: 'SELECT 1', values: [] });
    const discard = await a.query('DISCARD ALL');
    assert.equal(discard.command, 'DISCARD');
    assert.equal(await one(a, 'SHOW TimeZone'), 'UTC');
    await assert.rejects(a.query('EXECUTE a_sql'), /does not exist/);
    assert.equal((await b.query(named)).rows[0].v, 2, "b's protocol-level statement is still there");
    assert.equal(await one(b, 'EXECUTE b_sql'), 7);
    await b.query('DEALLOCATE ALL');
    await assert.rejects(b.query('EXECUTE b_sql'), /does not exist/);
  });

  it('temporary tables work within a transaction and are dropped at its end with a warning; the extension\'s stay', async () => {
    await db.exec('CREATE TEMP TABLE extension_scratch (x int)');
    try {
      const [a, b] = [await client(), await client()];
      await a.query('BEGIN');
      await a.query('CREATE TEMP TABLE scratch (x int)');
      await a.query('INSERT INTO scratch VALUES (1), (2)');
      assert.equal(await one(a, 'SELECT sum(x)::int FROM scratch'), 3);
      await a.query('COMMIT');
      assert.ok(a.notices.some((n) => /^WARNING: temporary object scratch dropped at the end of the transaction/.test(n)), a.notices.join(' | '));
      await assert.rejects(b.query('SELECT * FROM scratch'), /relation "scratch" does not exist/);
      await assert.rejects(a.query('SELECT * FROM scratch'), /relation "scratch" does not exist/);
      const left = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = pg_my_temp_schema() AND relname = $1', ['extension_scratch']);
      assert.equal(left.rows[0]!.n, 1, "the extension's temporary table is untouched");
    } finally {
      await db.exec('DROP TABLE IF EXISTS pg_temp.extension_scratch');
    }
  });

  it('a session advisory lock is released at the end of its transaction, with a warning', async () => {
    const a = await client();
    await a.query('SELECT pg_advisory_lock(4711)');
    assert.ok(a.notices.some((n) => /^WARNING: a session-level advisory lock was released/.test(n)), a.notices.join(' | '));
    const held = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'");
    assert.equal(held.rows[0]!.n, 0);
    await a.query('BEGIN');
    assert.equal(await one(a, 'SELECT pg_try_advisory_xact_lock(4711)'), true, 'transaction-level locks work as ever');
    await a.query('COMMIT');
  });

  it('LISTEN and cursors WITH HOLD are refused with a clear error, and the connection goes on', async () => {
    const a = await client();
    await assert.rejects(a.query('LISTEN jobs'), (e: Error & { code?: string; hint?: string }) => {
      assert.equal(e.code, '0A000');
      assert.match(e.message, /LISTEN is not supported by the playground's localhost server/);
      assert.match(e.hint ?? '', /Poll a table/);
      return true;
    });
    await a.query('BEGIN');
    await assert.rejects(a.query('DECLARE c CURSOR WITH HOLD FOR SELECT 1'), /cursors WITH HOLD are not supported/);
    await a.query('ROLLBACK');
    assert.equal(await one(a, 'SELECT 5'), 5);
    const r = await psql(server.connectionString, ['-c', 'LISTEN jobs']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /LISTEN is not supported/);
  });

  it("psql's SET lasts across its statements and does not reach another client", async () => {
    const r = await psql(server.connectionString, ['-f', '-'], "SET TimeZone = 'Europe/Paris';\nSELECT 1;\nSHOW TimeZone;\n");
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim().split('\n').at(-1), 'Europe/Paris');
    const b = await client();
    assert.equal(await one(b, 'SHOW TimeZone'), 'UTC');
  });
});
