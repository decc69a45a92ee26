import assert from 'node:assert/strict';
import * as net from 'node:net';
import { ConnectError, type ConnectFailureKind } from '../../../src/core/connections/connectError';
import { ConnectionManager, type LostConnection } from '../../../src/core/connections/connectionManager';
import type { ConnectionProfile, ProfileDraft } from '../../../src/core/connections/profile';
import { ProfileStore } from '../../../src/core/connections/profileStore';
import { DbError } from '../../../src/core/errors';
import { PgConnectionDriver } from '../../../src/db/connections/pgConnectionDriver';
import { PgSqlPort } from '../../../src/db/pgPort';
import { MemorySecrets, MemorySettings } from '../../unit/connections/memoryBackends';
import { pg } from '../hooks';

const options = { connectTimeoutMs: 10_000, statementTimeoutMs: 0 };
const driver = new PgConnectionDriver();

function draft(over: Partial<ProfileDraft> = {}): ProfileDraft {
  const s = pg();
  return { name: 'test', host: s.host, port: s.port, database: 'postgres', user: s.user, sslMode: 'disable', ...over };
}

async function failure(profile: Partial<ProfileDraft>, password?: string, opts = options, signal?: AbortSignal): Promise<ConnectError> {
  try {
    await driver.test({ id: 'x', ...draft(profile) }, password, opts, signal);
  } catch (e) {
    assert.ok(ConnectError.is(e), `expected a ConnectError, got ${String(e)}`);
    return e;
  }
  assert.fail('the connection unexpectedly succeeded');
}

/** A port where nothing listens: bind one, then let it go. */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

function expectKind(e: ConnectError, kind: ConnectFailureKind, message: RegExp) {
  assert.equal(e.kind, kind, e.message);
  assert.match(e.message, message);
}

describe('connections: test connection against a real server', () => {
  it('succeeds with the right password and reports the server', async () => {
    const { user, password } = pg().passwordUser;
    const check = await driver.test({ id: 'x', ...draft({ user }) }, password, options);
    assert.match(check.serverVersion, /^PostgreSQL \d+/);
    assert.equal(check.serverVersionNum, pg().version);
    assert.equal(check.ssl, false);
  });

  it('wrong password → authentication failed, without echoing the password', async () => {
    const e = await failure({ user: pg().passwordUser.user }, 'definitely-wrong-pw');
    expectKind(e, 'auth', /Authentication failed for user "sp_test"/);
    assert.ok(!e.message.includes('definitely-wrong-pw'));
  });

  it('no saved password for a role that needs one → says none is saved', async () => {
    expectKind(await failure({ user: pg().passwordUser.user }), 'auth', /asks for a password and none is saved/);
  });

  it('wrong port → connection refused', async () => {
    const port = await closedPort();
    expectKind(await failure({ port }), 'refused', new RegExp(`Connection refused by 127\\.0\\.0\\.1:${port}`));
  });

  it('unknown host → DNS', async () => {
    expectKind(await failure({ host: 'no-such-host.invalid' }), 'dns', /Cannot find host "no-such-host\.invalid"/);
  });

  it('SSL required against a server without SSL → SSL', async () => {
    expectKind(await failure({ sslMode: 'require' }), 'ssl', /SSL failed .*require.*does not support SSL/);
  });

  it('verify-full with a CA file that is not there → SSL, naming the file', async () => {
    expectKind(await failure({ sslMode: 'verify-full', caFile: '/nonexistent/ca.pem' }), 'ssl', /\/nonexistent\/ca\.pem/);
  });

  it('database missing → says which database', async () => {
    expectKind(await failure({ database: 'no_such_db' }), 'database-missing', /Database "no_such_db" does not exist/);
  });

  describe('a server that accepts TCP but never answers', () => {
    let silent: net.Server;
    let port: number;
    const sockets: net.Socket[] = [];
    before(async () => {
      silent = net.createServer((s) => sockets.push(s));
      await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
      port = (silent.address() as net.AddressInfo).port;
    });
    after(async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    });

    it('a hanging connect can be cancelled', async () => {
      const ac = new AbortController();
      const pending = failure({ port }, undefined, { ...options, connectTimeoutMs: 60_000 }, ac.signal);
      ac.abort();
      expectKind(await pending, 'cancelled', /was cancelled/);
    });

    it('and gives up after the connect timeout', async () => {
      expectKind(await failure({ port }, undefined, { ...options, connectTimeoutMs: 300 }), 'timeout', /No answer from 127\.0\.0\.1/);
    });
  });
});

describe('connections: pooled sessions', () => {
  let store: ProfileStore;
  let manager: ConnectionManager;
  let writable: ConnectionProfile;
  let readOnly: ConnectionProfile;
  let admin: PgSqlPort;

  before(async () => {
    await pg().createDatabase('conn_pool');
    admin = PgSqlPort.fromConfig(pg().poolConfig('conn_pool'));
    await admin.exec('CREATE TABLE notes (id int PRIMARY KEY, body text)');
    store = new ProfileStore(new MemorySettings(), new MemorySecrets());
    writable = await store.add(draft({ name: 'rw', database: 'conn_pool' }));
    readOnly = await store.add(draft({ name: 'ro', database: 'conn_pool', readOnly: true }));
    manager = new ConnectionManager(store, driver, () => ({ ...options, statementTimeoutMs: 5000 }));
  });
  after(async () => {
    manager.dispose();
    await admin.close();
  });

  it('a read-only connection reads but the server rejects its writes', async () => {
    const { open } = await manager.connect(readOnly.id);
    assert.deepEqual((await open.port.query('SELECT count(*)::int AS n FROM notes')).rows, [{ n: 0 }]);
    await assert.rejects(open.port.query(`INSERT INTO notes VALUES (1, 'x')`), (e: unknown) => {
      assert.ok(DbError.is(e));
      assert.equal(e.code, '25006'); // read_only_sql_transaction
      return true;
    });
    await assert.rejects(open.port.transaction((tx) => tx.query(`DELETE FROM notes`)), (e: unknown) => DbError.is(e) && e.code === '25006');
    // the same server through a writable profile takes the write
    const rw = await manager.connect(writable.id);
    await rw.open.port.query(`INSERT INTO notes VALUES (1, 'x')`);
    assert.deepEqual((await open.port.query('SELECT body FROM notes')).rows, [{ body: 'x' }]);
  });

  it('the statement timeout setting applies to the sessions', async () => {
    const { open } = await manager.connect(writable.id);
    assert.deepEqual((await open.port.query(`SELECT current_setting('statement_timeout') AS t`)).rows, [{ t: '5s' }]);
  });

  it('an idle connection killed by the server: the user is told, and the next use reconnects', async () => {
    const { open } = await manager.connect(writable.id);
    const pid = (await open.port.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    const lost = new Promise<LostConnection>((resolve) => manager.onDidLoseConnection(resolve));
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    const event = await lost;
    assert.equal(event.profile.id, writable.id);
    assert.match(event.error.message, /connection to 127\.0\.0\.1:\d+ was lost.*reconnects on the next use/);
    const after = (await open.port.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    assert.notEqual(after, pid);
  });

  it('editing a profile closes its pools: the next use connects with the new settings', async () => {
    const before = await manager.connect(readOnly.id);
    await store.update(readOnly.id, { ...readOnly, readOnly: false });
    const after = await manager.connect(readOnly.id);
    assert.notEqual(after.open, before.open);
    await after.open.port.query(`INSERT INTO notes VALUES (2, 'now writable')`);
  });
});
