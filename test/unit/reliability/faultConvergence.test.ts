import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SqlPort } from '../../../src/core/sql';
import { Playground } from '../../../src/core/sync/playground';
import { SimulatedClock } from '../../../src/core/sync/clock';
import { FlakyLink, type LinkFaults } from '../../../src/core/sync/flakyLink';
import { syncWithRetry } from '../../../src/core/sync/retrySync';
import type { Strategy } from '../../../src/core/sync/types';
import { DatabasePool } from '../scenario/databasePool';
import { assertConvergedNothingLost, noSleep } from './faultWorld';

/**
 * Property: random playgrounds (2-3 replicas, skewed clocks, random writes, offline periods) whose syncs are
 * interrupted at random — the consumer stops after k events, the ack of batch b is lost, the hub link loses the
 * request or the reply of statement n, or drops statements at a seeded rate while the sync retries with backoff —
 * still converge once the link is good again: every replica equals the hub, no op is lost, none is processed twice.
 *
 *   SYNC_PROPERTY_RUNS=10000 npx mocha --no-config --node-option import=tsx test/unit/reliability/faultConvergence.test.ts
 */
const RUNS = Number(process.env.SYNC_PROPERTY_RUNS ?? 8);
const SEED = process.env.SYNC_PROPERTY_SEED !== undefined ? Number(process.env.SYNC_PROPERTY_SEED) : undefined;
const STRATEGIES: Strategy[] = ['last_writer_wins', 'first_writer_wins', 'hub_wins', 'replica_wins', 'higher_version_wins', 'field_merge'];

const interruption = fc.oneof(
  fc.record({ how: fc.constant('none' as const) }),
  fc.record({ how: fc.constant('stop' as const), after: fc.nat(12) }),
  fc.record({ how: fc.constant('loseAck' as const), batch: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ how: fc.constant('statement' as const), n: fc.integer({ min: 1, max: 40 }), lose: fc.constantFrom('request' as const, 'reply' as const) }),
  fc.record({ how: fc.constant('flaky' as const), dropRate: fc.constantFrom(0.05, 0.1, 0.2), seed: fc.nat(), lose: fc.constantFrom('request' as const, 'reply' as const) }),
);
const action = fc.oneof(
  { weight: 6, arbitrary: fc.record({ a: fc.constantFrom('insert' as const, 'update' as const, 'updateS' as const, 'delete' as const), r: fc.nat(2), k: fc.integer({ min: 1, max: 5 }), v: fc.oneof(fc.nat(99), fc.constantFrom(13, 77)) }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constantFrom('offline' as const, 'online' as const), r: fc.nat(2) }) },
  { weight: 4, arbitrary: fc.record({ a: fc.constant('sync' as const), r: fc.nat(2), fault: interruption }) },
  { weight: 1, arbitrary: fc.record({ a: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 60_000 }) }) },
);
const world = fc.record({
  skews: fc.array(fc.integer({ min: -60_000, max: 60_000 }), { minLength: 2, maxLength: 3 }),
  strategy: fc.constantFrom(...STRATEGIES),
  batchSize: fc.integer({ min: 1, max: 4 }),
  actions: fc.array(action, { minLength: 6, maxLength: 24 }),
});

describe('property: random syncs under random faults converge and lose or repeat no op', function () {
  this.timeout(Math.max(300_000, RUNS * 8_000));
  const pool = new DatabasePool();
  after(() => pool.dispose());
  const stats = { runs: 0, ops: 0, conflicts: 0, faults: 0, retries: 0, errors: 0 };

  it(`holds for ${RUNS} random playgrounds with interrupted syncs`, async () => {
    await fc.assert(
      fc.asyncProperty(world, async (g) => {
        const dbs: SqlPort[] = [];
        for (let i = 0; i <= g.skews.length; i++) dbs.push(await pool.openDatabase());
        const link = new FlakyLink(dbs[0]!, noSleep);
        const clock = new SimulatedClock();
        const names = g.skews.map((_, i) => `R${i}`);
        try {
          const pg = await Playground.create({
            hub: link, clock, defaultStrategy: g.strategy, batchSize: g.batchSize,
            replicas: names.map((name, i) => ({ name, db: dbs[i + 1]!, clockSkewMs: g.skews[i]! })),
          });
          await pg.applySchema('CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL CHECK (v <> 13), s text)');
          await pg.seed(`INSERT INTO t VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, NULL)`);
          // a rule only the hub has: ops writing v = 77 are rejected there (and must not be lost either)
          await dbs[0]!.exec('ALTER TABLE t ADD CONSTRAINT hub_only CHECK (v <> 77)');
          for (const x of g.actions) {
            if (x.a === 'advance') {
              clock.advance(x.ms);
              continue;
            }
            const r = names[x.r % names.length]!;
            const db = pg.replica(r);
            // v = 13 breaks the CHECK on the replica itself: the user's statement fails there, and nothing is queued
            const write = (sql: string) =>
              db.exec(sql).catch((e: unknown) => {
                if ((e as { code?: string }).code !== '23514') throw e;
              });
            switch (x.a) {
              case 'insert':
                await write(`INSERT INTO t VALUES (${x.k}, ${x.v}, 'n${x.v}') ON CONFLICT (id) DO UPDATE SET v = EXCLUDED.v`);
                break;
              case 'update':
                await write(`UPDATE t SET v = ${x.v} WHERE id = ${x.k}`);
                break;
              case 'updateS':
                await write(`UPDATE t SET s = 's${x.v}' WHERE id = ${x.k}`);
                break;
              case 'delete':
                await write(`DELETE FROM t WHERE id = ${x.k}`);
                break;
              case 'offline':
              case 'online':
                await pg.setOnline(r, x.a === 'online');
                break;
              case 'sync':
                await faultySync(pg, link, r, x.fault, stats);
            }
          }
          link.set({});
          for (const r of names) await pg.setOnline(r, true);
          await pg.syncAll();
          await assertConvergedNothingLost(pg, 'after faults');
          stats.runs++;
          for (const r of pg.replicas) stats.ops += (await r.ops()).length;
          stats.conflicts += (await pg.conflicts()).length;
          if (RUNS > 200 && stats.runs % 250 === 0) console.log(`      ${stats.runs} of ${RUNS} playgrounds hold (${stats.faults} faults injected)`);
        } finally {
          await Promise.all(dbs.map((d) => d.close()));
        }
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true },
    );
    console.log(`      ${stats.runs} playgrounds, ${stats.ops} ops, ${stats.conflicts} conflicts, ${stats.faults} faults injected, ${stats.errors} surfaced as errors, ${stats.retries} retries`);
    assert.ok(stats.conflicts > 0 && stats.faults > 0, 'the random runs exercised no conflict or no fault');
  });
});

type Interruption = typeof interruption extends fc.Arbitrary<infer T> ? T : never;

async function faultySync(pg: Playground, link: FlakyLink, r: string, f: Interruption, stats: { faults: number; retries: number; errors: number }): Promise<void> {
  const faults: LinkFaults =
    f.how === 'statement' ? { failAt: [f.n], lose: f.lose } : f.how === 'flaky' ? { dropRate: f.dropRate, seed: f.seed, lose: f.lose, latencyMs: 1 } : {};
  link.set(faults);
  try {
    if (f.how === 'stop') {
      const it = pg.sync(r);
      for (let i = 0; i < f.after && !(await it.next()).done; i++);
      await it.return(undefined as never);
      stats.faults++;
    } else if (f.how === 'loseAck') {
      await pg.syncToEnd(r, { loseAckAfterBatch: f.batch });
      stats.faults++;
    } else if (f.how === 'flaky') {
      const it = syncWithRetry(pg, r, { attempts: 4, baseDelayMs: 10, maxDelayMs: 100, sleep: noSleep });
      for (let n = await it.next(); !n.done; n = await it.next()) if (n.value.type === 'sync_retry') stats.retries++;
    } else {
      await pg.syncToEnd(r);
    }
  } catch (e) {
    // only the link may fail a sync here; anything else is a bug
    assert.equal((e as { code?: string }).code, '08006', `sync of ${r} failed: ${String(e)}`);
    stats.errors++;
  } finally {
    stats.faults += link.dropped;
    link.set({});
  }
}
