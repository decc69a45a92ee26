import assert from 'node:assert/strict';
import { DbError } from '../../../src/core/errors';
import { FlakyLink, LINK_FAILURE_CODE } from '../../../src/core/sync/flakyLink';
import { syncWithRetry, type SyncRetryEvent } from '../../../src/core/sync/retrySync';
import type { SqlPort } from '../../../src/core/sql';
import { openPgliteFromTemplate } from '../../../src/db/template';
import { openWorld, type World } from '../sync/world';
import { assertConvergedNothingLost, buildStory, noSleep, statuses, tables } from './faultWorld';

/**
 * The flaky link itself, on a real database: what it loses is what a user would see lost (a lost request changes
 * nothing; a lost reply, COMMIT included, changes the database although the caller saw an error), the same seed
 * drops the same statements; and a sync with retries and backoff over a very flaky link ends where a good link ends.
 */
describe('reliability: flaky link', function () {
  this.timeout(240_000);
  let db: SqlPort;
  before(async () => {
    db = await openPgliteFromTemplate();
    await db.exec('CREATE TABLE k (n int)');
  });
  after(() => db?.close());
  const count = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM k')).rows[0]!.n;

  it('a lost request never reaches the database; a lost reply (COMMIT too) does, and the caller sees a link error', async () => {
    const link = new FlakyLink(db, noSleep);
    await db.exec('TRUNCATE k');
    link.set({ failAt: [1], lose: 'request' });
    await assert.rejects(link.query('INSERT INTO k VALUES (1)'), (e: unknown) => DbError.is(e) && e.code === LINK_FAILURE_CODE);
    assert.equal(await count(), 0);
    link.set({ failAt: [1], lose: 'reply' });
    await assert.rejects(link.query('INSERT INTO k VALUES (1)'));
    assert.equal(await count(), 1);
    // statement 1 = the INSERT, 2 = the COMMIT
    link.set({ failAt: [2], lose: 'request' });
    await assert.rejects(link.transaction((tx) => tx.query('INSERT INTO k VALUES (2)')));
    assert.equal(await count(), 1, 'a lost COMMIT request rolls back');
    link.set({ failAt: [2], lose: 'reply' });
    await assert.rejects(link.transaction((tx) => tx.query('INSERT INTO k VALUES (2)')));
    assert.equal(await count(), 2, 'a lost COMMIT reply has committed');
    link.set({ failWhen: /DELETE/ });
    await assert.rejects(link.exec('DELETE FROM k'));
    await link.query('SELECT 1');
    assert.equal(await count(), 2);
    assert.equal(link.dropped, 1);
  });

  it('the same seed drops the same statements; rates and latency are checked', async () => {
    const run = async (seed: number) => {
      const link = new FlakyLink(db, noSleep);
      link.set({ dropRate: 0.3, seed, latencyMs: 1 });
      const lost: number[] = [];
      for (let i = 1; i <= 200; i++) await link.query('SELECT 1').catch(() => lost.push(i));
      return lost;
    };
    const [a, b, c] = [await run(7), await run(7), await run(8)];
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.ok(a.length > 30 && a.length < 90, `${a.length} of 200 dropped at rate 0.3`);
    const link = new FlakyLink(db);
    assert.throws(() => link.set({ dropRate: 1.5 }), RangeError);
    assert.throws(() => link.set({ latencyMs: -1 }), RangeError);
  });

  describe('sync with retries and backoff', () => {
    let w: World;
    before(async () => (w = await openWorld()));
    after(() => w?.close());

    it('over a link dropping 10% of statements, ends where a good link ends, with growing, capped waits', async () => {
      const good = await buildStory(w);
      await good.pg.syncAll();
      const expected = { rows: await tables(good.pg), statuses: await statuses(good.pg) };

      for (const lose of ['request', 'reply'] as const) {
        // the default maxRetries (3): link failures must not use up an op's retries
        const { pg, link } = await buildStory(w);
        link.set({ dropRate: 0.1, seed: 42, lose, latencyMs: 5 });
        const waits: number[] = [];
        const retries: SyncRetryEvent[] = [];
        const policy = { attempts: 100, baseDelayMs: 100, maxDelayMs: 800, sleep: async (ms: number) => void waits.push(ms) };
        for (const r of ['A', 'B', 'A', 'B']) {
          const it = syncWithRetry(pg, r, policy);
          for (let n = await it.next(); !n.done; n = await it.next()) if (n.value.type === 'sync_retry') retries.push(n.value);
        }
        assert.ok(link.dropped > 0 && retries.length > 0, `${lose}: the link dropped nothing`);
        for (const e of retries) assert.equal(e.code, LINK_FAILURE_CODE);
        // each sync's waits double from the base and stop at the cap
        for (const ms of waits) assert.ok([100, 200, 400, 800].includes(ms), `wait ${ms}`);
        link.set({});
        await pg.syncAll();
        await assertConvergedNothingLost(pg, `flaky link, lost ${lose}s`);
        assert.deepEqual(await tables(pg), expected.rows);
        assert.deepEqual(await statuses(pg), expected.statuses);
      }
    });

    it('gives up after the attempts with the link error, the queue intact for later', async () => {
      const { pg, link } = await buildStory(w);
      const before = await pg.replica('A').ops();
      link.set({ dropRate: 1 });
      const it = syncWithRetry(pg, 'A', { attempts: 3, baseDelayMs: 1, maxDelayMs: 1, sleep: noSleep });
      await assert.rejects((async () => { for (let n = await it.next(); !n.done; n = await it.next()); })(), (e: unknown) => DbError.is(e) && e.code === LINK_FAILURE_CODE);
      assert.deepEqual((await pg.replica('A').ops()).map((o) => [o.opId, o.retries]), before.map((o) => [o.opId, o.retries]));
      link.set({});
      await pg.syncAll();
      await assertConvergedNothingLost(pg, 'after giving up');
    });
  });
});
