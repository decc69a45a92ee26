import assert from 'node:assert/strict';
import type { DbError } from '../../../src/core/errors';
import { PgSqlPort } from '../../../src/db/pgPort';
import { syncWithRetry } from '../../../src/core/sync/retrySync';
import { isTransient } from '../../../src/core/sync/transientErrors';
import { startPgServer, type PgServer } from '../../support/pgServer';
import { buildStory, assertConvergedNothingLost, statuses } from '../../unit/reliability/faultWorld';
import { openWorld, type World } from '../../unit/sync/world';

/**
 * The hub is a real PostgreSQL server that goes down in the middle of a sync and comes back. Its own server (not the
 * shared one), so the outage touches no other suite. The user sees a clear error; nothing is half-applied; after
 * the server is back, the next sync (with retries) converges with no op lost or applied twice.
 */
describe('reliability: a PostgreSQL hub stopped mid-sync and started again', function () {
  this.timeout(300_000);
  let server: PgServer;
  let w: World;
  let hub: PgSqlPort;

  before(async () => {
    server = await startPgServer({ name: 'outage' });
    const config = await server.createDatabase('outage_hub');
    hub = PgSqlPort.fromConfig({ ...config, connectionTimeoutMillis: 5_000 });
    // The test cluster runs with synchronous_commit=off for speed, which lets an immediate shutdown (a crash) lose
    // commits the hub already acknowledged: a replica would then hold `applied` ops the hub forgot. A hub must
    // keep what it acknowledged, as any production PostgreSQL does.
    await hub.exec('ALTER DATABASE outage_hub SET synchronous_commit = on');
    await hub.pool.end();
    hub = PgSqlPort.fromConfig({ ...config, connectionTimeoutMillis: 5_000 });
    w = await openWorld(async () => hub);
  });
  after(async () => {
    await w?.close();
    await server?.stop();
  });

  for (const mode of ['fast', 'immediate'] as const) {
    it(`server stopped (${mode}) after the 3rd event of a sync with conflicts: clear error, then recovery`, async () => {
      const { pg } = await buildStory(w);
      const it = pg.sync('A');
      for (let i = 0; i < 3; i++) assert.equal((await it.next()).done, false);
      await server.stopServer(mode);
      try {
        let error: unknown;
        try {
          for (let n = await it.next(); !n.done; n = await it.next());
        } catch (e) {
          error = e;
        }
        // a classified error the UI can word ("cannot reach the hub"), not a crash and not a silent success
        assert.ok(isTransient(error), `expected a connection error, got ${String(error)} (code ${(error as DbError)?.code})`);
        // the queue is intact while the hub is down: nothing lost or given up
        const during = await pg.replica('A').ops();
        assert.equal(during.length, 7);
        assert.ok(during.every((o) => ['pending', 'sent', 'applied', 'discarded', 'rejected'].includes(o.status)), JSON.stringify(during.map((o) => o.status)));
        // and a sync while it is down fails the same way, changing nothing
        const before = await statuses(pg);
        await assert.rejects(pg.syncToEnd('A'), (e: unknown) => isTransient(e));
        const after = await statuses(pg);
        for (const [id, s] of Object.entries(after.A!)) assert.ok(s === before.A![id] || s === 'sent', `${id}: ${before.A![id]} became ${s}`);
      } finally {
        await server.startServer();
      }
      const retries: string[] = [];
      const sync = syncWithRetry(pg, 'A', { attempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 });
      for (let n = await sync.next(); !n.done; n = await sync.next()) if (n.value.type === 'sync_retry') retries.push(n.value.error);
      await pg.syncAll();
      await assertConvergedNothingLost(pg, `after a ${mode} stop`);
      assert.deepEqual(Object.values((await statuses(pg)).A!).sort(), ['applied', 'applied', 'applied', 'applied', 'discarded', 'discarded', 'rejected']);
    });
  }
});
