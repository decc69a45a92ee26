import assert from 'node:assert/strict';
import { DbError } from '../../../src/core/errors';
import { LINK_FAILURE_CODE } from '../../../src/core/sync/flakyLink';
import type { SyncEvent } from '../../../src/core/sync/events';
import { openWorld, type World } from '../sync/world';
import { assertConvergedNothingLost, buildStory, statuses, tables } from './faultWorld';

/**
 * A sync with conflicts interrupted at every point, in three ways: the consumer stops after event k and returns
 * the generator (a closed panel, a cancelled step), the link to the hub loses statement k before it arrives, or
 * loses the reply of statement k after the hub ran it (including a hub COMMIT whose reply is lost). Each time,
 * the next syncs must end exactly where an uninterrupted run ends: same rows everywhere, same op outcomes, no op
 * lost, none applied twice.
 */
describe('reliability: a sync interrupted at every point loses and repeats nothing', function () {
  this.timeout(300_000);
  let w: World;
  let expected: { rows: Record<string, unknown[]>; statuses: Record<string, Record<string, string>> };
  let events: SyncEvent[];
  let statementsInSync = 0;

  before(async () => {
    w = await openWorld();
    const { pg, link } = await buildStory(w);
    link.set({});
    events = [];
    for await (const e of pg.sync('A')) events.push(e);
    statementsInSync = link.statements;
    await pg.syncAll();
    await assertConvergedNothingLost(pg, 'uninterrupted');
    expected = { rows: await tables(pg), statuses: await statuses(pg) };
  });
  after(() => w?.close());

  it('the story exercises conflicts, rejections, several batches and pulls', () => {
    const types = new Set(events.map((e) => e.type));
    for (const t of ['conflict_detected', 'conflict_resolved', 'op_applied', 'op_rejected', 'change_pulled', 'sync_finished']) {
      assert.ok(types.has(t as SyncEvent['type']), `no ${t} event in ${[...types].join(', ')}`);
    }
    assert.ok(events.filter((e) => e.type === 'batch_pushed').length >= 3);
    assert.deepEqual(Object.values(expected.statuses.A!).sort(), ['applied', 'applied', 'applied', 'applied', 'discarded', 'discarded', 'rejected']);
  });

  // CI takes every 2nd event and every 3rd (reply) / 5th (request) statement, to stay fast on 2 cores;
  // SYNC_FAULT_STRIDE=1 takes every one (the figures in the report).
  const env = process.env.SYNC_FAULT_STRIDE;
  const strides = { stop: Number(env ?? 2), request: Number(env ?? 5), reply: Number(env ?? 3) };
  const nth = (n: number) => (n === 1 ? '' : `${n}${n === 2 ? 'nd' : n === 3 ? 'rd' : 'th'} `);

  it(`stopped by the consumer after event k, for every ${nth(strides.stop)}k`, async () => {
    for (let k = 0; k < events.length; k += strides.stop) {
      const { pg } = await buildStory(w);
      const it = pg.sync('A');
      for (let i = 0; i < k; i++) assert.equal((await it.next()).done, false);
      await it.return(undefined as never);
      await pg.syncAll();
      const label = `stopped after ${k} of ${events.length} events`;
      await assertConvergedNothingLost(pg, label);
      assert.deepEqual(await tables(pg), expected.rows, label);
      assert.deepEqual(await statuses(pg), expected.statuses, label);
    }
  });

  for (const lose of ['request', 'reply'] as const) {
    it(`the link to the hub loses the ${lose} of statement n, for every ${nth(strides[lose])}n of the sync`, async () => {
      let failures = 0;
      let cases = 0;
      for (let n = 1; n <= statementsInSync; n += strides[lose]) {
        cases++;
        const { pg, link } = await buildStory(w);
        link.set({ failAt: [n], lose });
        const label = `${lose} of statement ${n} of ${statementsInSync} lost`;
        try {
          await pg.syncToEnd('A');
        } catch (e) {
          // the user sees a clear, classified error: the link broke, and which statement
          assert.ok(DbError.is(e) && e.code === LINK_FAILURE_CODE, `${label}: unexpected error ${String(e)}`);
          assert.match(e.message, /Connection to the hub lost/);
          failures++;
        }
        assert.equal(link.dropped, 1, label);
        link.set({});
        await pg.syncAll();
        await assertConvergedNothingLost(pg, label);
        assert.deepEqual(await tables(pg), expected.rows, label);
        assert.deepEqual(await statuses(pg), expected.statuses, label);
      }
      // some faults are absorbed by the engine (a failed batch is retried later), the others surface as errors
      assert.ok(failures > 0, 'no fault ever reached the caller');
      console.log(`      ${cases} cases of ${statementsInSync} statements, ${failures} surfaced as errors`);
    });
  }
});
