import assert from 'node:assert/strict';
import { InvalidInputError } from '../../../src/core/errors';
import { FlakyLink } from '../../../src/core/sync/flakyLink';
import { LINK_RETRY, SyncGaveUpError, syncAllOverLinks, syncOverLink, syncOverLinkToEnd } from '../../../src/core/sync/linkSync';
import { describeLink, linkWait } from '../../../src/core/sync/replicaLink';
import type { SyncRetryEvent } from '../../../src/core/sync/retrySync';
import type { Playground } from '../../../src/core/sync/playground';
import { openWorld, playground, rows, type World } from '../sync/world';
import { assertConvergedNothingLost, noSleep, tables } from './faultWorld';

const SCHEMA = 'CREATE TABLE t (id int PRIMARY KEY, v text, n int)';
const SEED = `INSERT INTO t SELECT g, 'seed', g FROM generate_series(1, 6) g`;

/**
 * A replica's link to the hub, as the UI and scenarios set it: a flaky link slows a replica's sync down (retries,
 * backoff) but changes nothing about where the playground ends: every replica equals the hub, every captured op
 * was processed by the hub exactly once. Only the replica's traffic to the hub goes through its link.
 */
describe('reliability: a replica link in the playground', function () {
  this.timeout(240_000);
  let w: World;
  before(async () => (w = await openWorld()));
  after(() => w?.close());

  const flakyPlayground = async () => {
    // field_merge: A changes v, B changes n of the same rows; both survive whatever order the retries give
    const { pg, clock } = await playground(w, SCHEMA, { seed: SEED, rules: [{ table: 't', conflict: 'update_origin_differs', strategy: 'field_merge' }] });
    return { pg, clock, opts: { wait: linkWait(clock, false) } };
  };
  const capturedOps = async (pg: Playground) => (await Promise.all(pg.replicas.map((r) => r.ops()))).flat().map((o) => o.opId);

  for (const lose of ['request', 'reply'] as const) {
    it(`over a 30% flaky link losing ${lose === 'request' ? 'requests' : 'replies'}, A converges with B: nothing lost, nothing applied twice`, async () => {
      const { pg, clock, opts } = await flakyPlayground();
      await pg.setLink('A', { dropRate: 0.3, seed: 7, lose });
      const retries: SyncRetryEvent[] = [];
      const o = { ...opts, onRetry: (e: SyncRetryEvent) => void retries.push(e) };
      const start = clock.now();
      for (let i = 1; i <= 4; i++) {
        await pg.replica('A').exec(`UPDATE t SET v = 'A${i}' WHERE id = ${i}; INSERT INTO t VALUES (${100 + i}, 'from A', ${i})`);
        await pg.replica('B').exec(`UPDATE t SET n = ${200 + i} WHERE id = ${i}; INSERT INTO t VALUES (${200 + i}, 'from B', ${i})`);
        await syncOverLinkToEnd(pg, 'A', o);
        await syncOverLinkToEnd(pg, 'B', o);
      }
      await pg.replica('A').exec(`DELETE FROM t WHERE id = 6`);
      await syncAllOverLinks(pg, o);

      assert.ok(retries.length > 0, 'the link lost nothing: the test proves nothing');
      assert.ok(retries.every((e) => e.replica === 'A' && e.code === '08006'), 'only A retried, on link errors');
      assert.ok(clock.now() - start >= retries.reduce((s, e) => s + e.delayMs, 0), 'the waits passed on the simulated clock');
      // the timeline says when the link went bad and every retry
      const told = await pg.timeline({ replica: 'A', types: ['link_changed', 'sync_retry'] });
      assert.deepEqual(told[0], { seq: told[0]!.seq, at: told[0]!.at, type: 'link_changed', replica: 'A', link: { dropRate: 0.3, latencyMs: 0, lose, seed: 7 } });
      assert.deepEqual(told.slice(1).map((e) => e.type === 'sync_retry' && [e.attempt, e.delayMs]), retries.map((e) => [e.attempt, e.delayMs]));
      const hub = await assertConvergedNothingLost(pg, `30% link losing ${lose}s`);
      const t = await tables(pg);
      assert.deepEqual(t.A, t.hub);
      assert.deepEqual(t.B, t.hub);
      // both sides' edits of rows 1-4 survive, both sides' inserts, A's delete
      assert.deepEqual(
        await rows(pg.hub, 'SELECT id, v, n FROM t ORDER BY id'),
        [
          ...[1, 2, 3, 4].map((i) => ({ id: i, v: `A${i}`, n: 200 + i })),
          { id: 5, v: 'seed', n: 5 },
          ...[1, 2, 3, 4].map((i) => ({ id: 100 + i, v: 'from A', n: i })),
          ...[1, 2, 3, 4].map((i) => ({ id: 200 + i, v: 'from B', n: i })),
        ],
      );
      assert.equal(hub.length, 13);
      const captured = await capturedOps(pg);
      const processed = await pg.processedOpIds();
      assert.equal(processed.length, captured.length, 'the hub applied_ops count equals the captured ops');
      assert.equal(captured.length, 17);
    });
  }

  it("a link carries only the replica's traffic to the hub; a hopeless one gives up clearly with the queue intact", async () => {
    const { pg, opts } = await flakyPlayground();
    await pg.setLink('A', { dropRate: 1, seed: 3 });
    await pg.replica('A').exec(`UPDATE t SET v = 'offline-ish' WHERE id = 1; INSERT INTO t VALUES (50, 'a', 0)`); // local writes: no link
    await pg.replica('B').exec(`UPDATE t SET n = 0 WHERE id = 2`);
    await syncOverLinkToEnd(pg, 'B', opts); // B's link is perfect
    const before = (await pg.replica('A').ops()).map((o) => [o.opId, o.status, o.retries]);
    await assert.rejects(syncOverLinkToEnd(pg, 'A', opts), (e: unknown) => {
      assert.ok(SyncGaveUpError.is(e));
      assert.equal(e.attempts, LINK_RETRY.attempts);
      assert.equal(e.waiting, 2);
      assert.match(e.message, /^Sync of A gave up after 20 attempts: the link to the hub kept failing .*Nothing is lost: 2 op\(s\) wait in A's queue/);
      return true;
    });
    // lost on the link, the ops used none of their retries (they would end `failed` on a flaky link otherwise)
    assert.deepEqual((await pg.replica('A').ops()).map((o) => [o.opId, o.status === 'sent' ? 'pending' : o.status, o.retries]), before);
    assert.deepEqual(await pg.processedOpIds(), ['B:1']);
    const [gave] = await pg.timeline({ types: ['sync_gave_up'] });
    assert.deepEqual(gave && gave.type === 'sync_gave_up' && [gave.replica, gave.attempts, gave.waiting], ['A', 20, 2]);
    await pg.setLink('A', null);
    assert.equal(pg.link('A'), undefined);
    await syncAllOverLinks(pg, opts);
    await assertConvergedNothingLost(pg, 'after the link came back');
  });

  it('a step-mode sync over a link stopped half-way ends the engine sync, so the next one runs', async () => {
    const { pg, opts } = await flakyPlayground();
    await pg.setLink('A', { dropRate: 0.3, seed: 11, lose: 'reply' });
    await pg.replica('A').exec(`UPDATE t SET v = 'x' WHERE id IN (1, 2, 3)`);
    const it = syncOverLink(pg, 'A', { ...opts, batchSize: 1 });
    assert.equal((await it.next()).done, false);
    await it.return(undefined as never);
    await syncAllOverLinks(pg, opts);
    await assertConvergedNothingLost(pg, 'after a stopped step sync');
  });

  it('link conditions: checked by field, a perfect link is no link, shown at a glance', async () => {
    const { pg } = await flakyPlayground();
    const field = (f: string) => (e: unknown) => InvalidInputError.is(e) && e.path === f;
    await assert.rejects(pg.setLink('A', { dropRate: 1.5 }), field('dropRate'));
    await assert.rejects(pg.setLink('A', { latencyMs: -3 }), field('latencyMs'));
    await assert.rejects(pg.setLink('A', { lose: 'both' as never }), field('lose'));
    await assert.rejects(pg.setLink('A', { dropRate: 0.1, seed: 1.5 }), field('seed'));
    await assert.rejects(pg.setLink('Z', { dropRate: 0.1 }), /No replica named "Z"/);
    assert.equal(await pg.setLink('A', { dropRate: 0, latencyMs: 0 }), undefined);
    assert.equal(pg.link('A'), undefined);
    assert.deepEqual(await pg.setLink('A', { dropRate: 0.3 }), { dropRate: 0.3, latencyMs: 0, lose: 'request', seed: 1 });
    assert.equal(pg.link('B'), undefined);
    assert.equal(describeLink(pg.link('A')), 'flaky 30%');
    assert.equal(describeLink({ dropRate: 0, latencyMs: 200, lose: 'request', seed: 1 }), 'slow 200 ms');
    assert.equal(describeLink({ dropRate: 0.6, latencyMs: 20, lose: 'reply', seed: 1 }), 'flaky 60%, 20 ms, replies lost');
    assert.equal(describeLink(undefined), 'perfect link');
    await pg.removeReplica('A');
    assert.throws(() => pg.link('A'), /No replica named "A"/);
  });

  it("per 'transaction', a whole transaction is one round trip: lost or delivered as a unit", async () => {
    const { pg } = await flakyPlayground();
    const link = new FlakyLink(pg.hub, noSleep);
    const n = async () => (await pg.hub.query<{ n: number }>('SELECT count(*)::int AS n FROM t')).rows[0]!.n;
    // round trip 1: the query; 2: the transaction of two statements
    link.set({ failAt: [2], per: 'transaction', lose: 'request' });
    await link.query('SELECT 1');
    await assert.rejects(link.transaction(async (tx) => void (await tx.query('INSERT INTO t VALUES (90)'), await tx.query('INSERT INTO t VALUES (91)'))));
    assert.equal(await n(), 6);
    link.set({ failAt: [1], per: 'transaction', lose: 'reply' });
    await assert.rejects(link.transaction(async (tx) => void (await tx.query('INSERT INTO t VALUES (90)'), await tx.query('INSERT INTO t VALUES (91)'))));
    assert.equal(await n(), 8, 'a lost reply: the transaction committed');
    assert.equal(link.statements, 1);
  });
});
