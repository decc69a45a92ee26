/**
 * Test builder for fault tests: a playground whose hub sits behind a FlakyLink (good until a test arms it), with a
 * story that gives replica A's next sync every kind of event: conflicts of several types, applied ops, a rejected
 * op, several pushed batches and pulled changes. Plus the checks every fault test makes afterwards: every database
 * equals the hub, no op is lost (every op ended applied, discarded or rejected) and none was processed twice.
 */
import assert from 'node:assert/strict';
import type { SqlPort } from '../../../src/core/sql';
import { Playground } from '../../../src/core/sync/playground';
import { SimulatedClock } from '../../../src/core/sync/clock';
import { FlakyLink } from '../../../src/core/sync/flakyLink';
import { qualified, quoteIdent } from '../../../src/core/sync/ident';
import { resetDb, type World } from '../sync/world';

export const SCHEMA = `CREATE TABLE todo (id int PRIMARY KEY, title text NOT NULL, n int CHECK (n >= 0));`;
const SEED = `INSERT INTO todo SELECT g, 'seed ' || g, g FROM generate_series(1, 6) g`;

export interface FaultWorld {
  readonly pg: Playground;
  readonly link: FlakyLink;
  readonly clock: SimulatedClock;
}

/** No sleeping in tests: latency is simulated as a yield to the event loop. */
export const noSleep = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * B edits and syncs; then A makes concurrent edits that A's next sync pushes (batch size 2): update/update,
 * update/delete, delete/update conflicts, a rejected op (check violation), fresh inserts. Returns before A syncs.
 */
export async function buildStory(w: World, options: { maxRetries?: number } = {}): Promise<FaultWorld> {
  await Promise.all([resetDb(w.hub), resetDb(w.a), resetDb(w.b)]);
  const link = new FlakyLink(w.hub, noSleep);
  const clock = new SimulatedClock();
  const pg = await Playground.create({
    hub: link, clock, batchSize: 2, maxRetries: options.maxRetries ?? 3,
    replicas: [{ name: 'A', db: w.a, clockSkewMs: -5_000 }, { name: 'B', db: w.b }],
    rules: [{ table: 'todo', conflict: 'update_origin_differs', strategy: 'field_merge' }],
  });
  await pg.applySchema(SCHEMA);
  await pg.seed(SEED);
  clock.advance(1_000);
  await pg.replica('B').exec(`UPDATE todo SET title = 'B' WHERE id IN (1, 2); DELETE FROM todo WHERE id = 3; UPDATE todo SET n = 40 WHERE id = 4`);
  await pg.syncToEnd('B');
  clock.advance(1_000);
  await pg.replica('A').exec(
    `UPDATE todo SET n = 11 WHERE id = 1; UPDATE todo SET title = 'A' WHERE id = 2; UPDATE todo SET title = 'A3' WHERE id = 3;
     DELETE FROM todo WHERE id = 4; INSERT INTO todo VALUES (7, 'A7', 7), (8, 'A8', 8)`,
  );
  // a write the hub refuses: A's replica has no CHECK violation, but the hub's row differs — make it fail there
  await w.hub.exec(`ALTER TABLE todo ADD CONSTRAINT hub_only CHECK (title <> 'forbidden')`);
  await pg.replica('A').exec(`UPDATE todo SET title = 'forbidden' WHERE id = 5`);
  clock.advance(1_000);
  return { pg, link, clock };
}

/** What every database holds in the synced tables, per database, in key order. */
export async function tables(pg: Playground): Promise<Record<string, unknown[]>> {
  const read = async (db: SqlPort) => {
    const out: unknown[] = [];
    for (const t of pg.tables()) {
      const order = t.pk.map((c) => quoteIdent(c)).join(', ');
      out.push(...(await db.query(`SELECT * FROM ${qualified(t)} ORDER BY ${order}`)).rows);
    }
    return out;
  };
  const out: Record<string, unknown[]> = { hub: await read(pg.hub) };
  for (const r of pg.replicas) out[r.name] = await read(r.db);
  return out;
}

/** Every replica equals the hub; no op lost, none processed twice. Returns the hub rows. */
export async function assertConvergedNothingLost(pg: Playground, label: string): Promise<unknown[]> {
  const t = await tables(pg);
  for (const r of pg.replicas) assert.deepEqual(t[r.name], t.hub, `${label}: replica ${r.name} differs from the hub`);
  const opIds: string[] = [];
  for (const r of pg.replicas) {
    for (const op of await r.ops()) {
      assert.ok(['applied', 'discarded', 'rejected'].includes(op.status), `${label}: ${op.opId} ended ${op.status}${op.error ? ` (${op.error})` : ''}`);
      opIds.push(op.opId);
    }
  }
  const processed = await pg.processedOpIds();
  assert.equal(new Set(processed).size, processed.length, `${label}: the hub processed an op twice: ${processed.join(', ')}`);
  assert.deepEqual([...processed].sort(), opIds.sort(), `${label}: the hub processed exactly the captured ops`);
  return t.hub!;
}

/** Op statuses per replica, e.g. `{A: {"A:1": "applied"}}`: what a user reads in the queue inspector. */
export async function statuses(pg: Playground): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  for (const r of pg.replicas) out[r.name] = Object.fromEntries((await r.ops()).map((o) => [o.opId, o.status]));
  return out;
}
