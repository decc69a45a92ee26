/**
 * The process the SIGKILL test kills: `node --import tsx killedSyncChild.ts <dir> setup|sync`.
 * - setup: creates a playground persisted on disk (hub, A, B as PGlite data directories), with a big queue on A
 *   that conflicts with B's synced writes, then closes cleanly.
 * - sync: opens it and syncs A in small batches, printing every event as one JSON line as soon as it is yielded
 *   (after its transaction committed), so the test can kill the process right after a chosen event.
 */
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { openPglite } from '../../../src/db/pglitePort';
import { Playground } from '../../../src/core/sync/playground';
import { SimulatedClock } from '../../../src/core/sync/clock';

export const ROWS = 200;

async function main(): Promise<void> {
  const [dir, mode] = process.argv.slice(2);
  if (!dir || (mode !== 'setup' && mode !== 'sync')) throw new Error('usage: killedSyncChild.ts <dir> setup|sync');
  for (const n of ['hub', 'A', 'B']) mkdirSync(path.join(dir, n), { recursive: true });
  const open = (n: string) => openPglite({ dataDir: path.join(dir, n) });
  const [hub, a, b] = await Promise.all([open('hub'), open('A'), open('B')]);
  if (mode === 'setup') {
    const clock = new SimulatedClock();
    const pg = await Playground.create({
      hub, clock, batchSize: 25, replicas: [{ name: 'A', db: a }, { name: 'B', db: b, clockSkewMs: 30_000 }],
      rules: [{ table: 'item', conflict: 'update_origin_differs', strategy: 'field_merge' }, { table: 'item', conflict: 'delete_origin_differs', strategy: 'manual' }],
    });
    await pg.applySchema('CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, note text)');
    await pg.seed(`INSERT INTO item SELECT g, 'item ' || g, g, NULL FROM generate_series(1, ${ROWS}) g`);
    clock.advance(1_000);
    await pg.replica('B').exec(`UPDATE item SET name = name || ' (B)' WHERE id % 3 = 0; UPDATE item SET qty = qty + 1000 WHERE id % 50 = 1`);
    await pg.syncToEnd('B');
    clock.advance(1_000);
    await pg.replica('A').exec(
      `UPDATE item SET qty = qty + 1 WHERE id % 2 = 0; UPDATE item SET note = 'A' WHERE id % 5 = 0;
       DELETE FROM item WHERE id % 50 = 1; INSERT INTO item SELECT g, 'new ' || g, 0, 'A' FROM generate_series(${ROWS + 1}, ${ROWS + 50}) g`,
    );
    clock.advance(1_000);
  } else {
    const pg = await Playground.open({ hub, replicas: { A: a, B: b } });
    for await (const e of pg.sync('A')) process.stdout.write(`${JSON.stringify({ seq: e.seq, type: e.type })}\n`);
  }
  await Promise.all([hub.close(), a.close(), b.close()]);
  process.stdout.write('{"done":true}\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
