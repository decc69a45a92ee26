import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import pgDriver from 'pg';
import { startPgServer } from '../support/pgServer';
import { pg } from './hooks';

/** The harness itself: what the connection and replication suites rely on. */
describe('PostgreSQL test server', () => {
  it('is configured for logical replication', async () => {
    const c = new pgDriver.Client(pg().poolConfig());
    await c.connect();
    try {
      const r = await c.query<{ wal_level: string }>('SHOW wal_level');
      assert.equal(r.rows[0]!.wal_level, 'logical');
    } finally {
      await c.end();
    }
  });

  it('accepts the password user with the right password and refuses a wrong one', async () => {
    const { user, password } = pg().passwordUser;
    const ok = new pgDriver.Client({ ...pg().poolConfig(), user, password });
    await ok.connect();
    assert.equal((await ok.query<{ u: string }>('SELECT current_user AS u')).rows[0]!.u, user);
    await ok.end();
    const bad = new pgDriver.Client({ ...pg().poolConfig(), user, password: 'wrong' });
    await assert.rejects(bad.connect(), (e: unknown) => (e as { code?: string }).code === '28P01');
  });

  it('runs a second cluster next to the shared one and removes it on stop', async () => {
    const other = await startPgServer({ name: 'second' });
    try {
      assert.notEqual(other.port, pg().port);
      const c = new pgDriver.Client(other.connectionString);
      await c.connect();
      assert.equal((await c.query<{ n: number }>('SELECT 41 + 1 AS n')).rows[0]!.n, 42);
      await c.end();
    } finally {
      await other.stop();
    }
    assert.equal(existsSync(other.dataDir), false);
    await assert.rejects(new pgDriver.Client(other.poolConfig()).connect());
  });
});
