import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { DatabaseManager } from '../../../src/db/databaseManager';
import { openPgliteFromTemplate } from '../../../src/db/template';
import { protocolTargetFor } from '../../../src/db/serve/protocolTarget';
import { WireServer } from '../../../src/db/serve/wireServer';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import { connectPg, psql, within } from './serveHelpers';

// Every kind of database the extension holds can be served: the SQL playground's managed database (a worker that
// closes when idle), and an in-thread PGlite (tests, the CLI). A real PostgreSQL server cannot (connect to it).
describe('What can be served on localhost', function () {
  this.timeout(120_000);

  it('a managed database that closes its worker when idle keeps the data and serves again', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'serve-managed-'));
    const manager = new DatabaseManager({ root, idleCloseMs: 200, relaxedDurability: true });
    const db = manager.database('playground');
    let server: WireServer | undefined;
    try {
      await db.exec('CREATE TABLE note (id int PRIMARY KEY, body text)');
      const target = protocolTargetFor(db);
      assert.ok(target, 'a managed database can be served');
      server = await WireServer.start(target);
      const c = await connectPg(server.connectionString);
      try {
        await c.query('BEGIN');
        await c.query('INSERT INTO note VALUES ($1, $2)', [1, 'first']);
        await new Promise((r) => setTimeout(r, 500)); // longer than idleCloseMs: the open transaction must survive
        assert.ok(db.isOpen, 'the worker stays up under an open client transaction');
        await c.query('COMMIT');
        await new Promise((r) => setTimeout(r, 600)); // now idle: the worker may stop
        const r = await c.query('SELECT body FROM note WHERE id = 1');
        assert.deepEqual(r.rows, [{ body: 'first' }]);
      } finally {
        await c.end();
      }
      assert.deepEqual((await db.query('SELECT body FROM note')).rows, [{ body: 'first' }]);
    } finally {
      await server?.stop();
      await manager.closeAll();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('closing a served database lets go of a client idle in a transaction (rolled back) instead of hanging', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'serve-close-'));
    let server: WireServer | undefined;
    try {
      const db = await openPgliteWorker({ dataDir: dir, relaxedDurability: true });
      await db.exec('CREATE TABLE note (id int PRIMARY KEY)');
      server = await WireServer.start(protocolTargetFor(db)!);
      const c = await connectPg(server.connectionString);
      const ended = new Promise<void>((r) => c.once('end', () => r()));
      await c.query('BEGIN');
      await c.query('INSERT INTO note VALUES (1)');
      await within(db.close(), 15_000, 'closing the database under an open client transaction');
      await within(ended, 10_000, 'the client is disconnected');
      const again = await openPgliteWorker({ dataDir: dir });
      try {
        assert.deepEqual((await again.query('SELECT count(*)::int AS n FROM note')).rows, [{ n: 0 }]);
      } finally {
        await again.close();
      }
    } finally {
      await server?.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('an in-thread PGlite serves psql', async () => {
    const db = await openPgliteFromTemplate();
    let server: WireServer | undefined;
    try {
      const target = protocolTargetFor(db);
      assert.ok(target);
      server = await WireServer.start(target);
      const r = await psql(server.connectionString, ['-c', 'CREATE TABLE t (a int)', '-c', 'INSERT INTO t SELECT generate_series(1, 5)', '-c', 'SELECT sum(a) FROM t']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), '15');
      assert.deepEqual((await db.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 5 }]);
    } finally {
      await server?.stop();
      await db.close();
    }
  });

  it('a real PostgreSQL port is not served', () => {
    const pgPort = { kind: 'pg' as const, query: async () => ({ rows: [], fields: [] }), exec: async () => [], transaction: async () => undefined as never, close: async () => undefined };
    assert.equal(protocolTargetFor(pgPort), undefined);
  });
});
