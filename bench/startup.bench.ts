/**
 * Starting the playground's databases: (a) the longest stall of this thread while a hub and two replicas start
 * in workers, against one in-thread open; (b) time until all three answer, against three in-thread initdbs, both
 * made from the template (copy + start) and claimed from warm spares (sparePool.ts); (c) resident memory of the
 * three (measured in fresh child processes, see memoryProbe.ts); (d) "Create Playground" end to end through the
 * product's path: PlaygroundSession.create on PlaygroundDatabaseFolders (what PlaygroundStore.create runs, minus
 * saving the recording), the todo sample (hub + 2 replicas, schema, rules, seed), from warm spares and without.
 */
import { copyTemplateInto, templateDataDir } from '../src/db/dataDirTemplate';
import { PlaygroundSession } from '../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../src/core/playground/samples';
import { DatabaseManager, PLAYGROUND_SETTINGS } from '../src/db/databaseManager';
import { PlaygroundDatabaseFolders } from '../src/db/playgroundDatabases';
import { openPglite } from '../src/db/pglitePort';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import type { BenchContext, BenchRow } from './benchTypes';
import { measureRssInChild } from './memoryProbe';
import { startStallProbe } from './stallProbe';

const NAMES = ['hub', 'replica-a', 'replica-b'];
/** The todo sample: a hub and two replicas, a table, a rule and three seeded rows. */
const TODO = PLAYGROUND_SAMPLES.find((s) => s.id === 'todo')!.setup;

export const name = 'startup';

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  await templateDataDir(); // made once per machine; not part of any figure
  await (await openPgliteWorker()).close(); // assets compiled, worker code warm: the "warm machine" of the target

  const workerMs: number[] = [];
  const workerStall: number[] = [];
  const reopenMs: number[] = [];
  const inThreadStall: number[] = [];
  const initdbMs: number[] = [];
  const spareMs: number[] = [];
  const spareStall: number[] = [];
  const store = { warm: [] as number[], stall: [] as number[], reset: [] as number[], resetStall: [] as number[], cold: [] as number[] };
  for (let i = 0; i < ctx.runs; i++) {
    ctx.log(`startup run ${i + 1}/${ctx.runs}`);
    // (a)+(b) figure: three new databases from the template, each in its own worker, in parallel
    const dirs = NAMES.map((n) => ctx.scratch(`${n}-${i}`));
    let probe = startStallProbe();
    let t0 = performance.now();
    let dbs = await Promise.all(dirs.map((dataDir) => openPgliteWorker({ dataDir, settings: PLAYGROUND_SETTINGS })));
    await Promise.all(dbs.map((db) => db.query('SELECT 1')));
    workerMs.push(performance.now() - t0);
    workerStall.push(probe.stop().maxGapMs);
    await Promise.all(dbs.map((db) => db.close()));

    // (b) with warm spares: "Create playground" after the pool was filled in the background (not timed)
    const manager = new DatabaseManager({ root: ctx.scratch(`spares-${i}`), spares: NAMES.length });
    await manager.prewarm();
    probe = startStallProbe();
    t0 = performance.now();
    const claimed = await manager.open(NAMES);
    await Promise.all(claimed.map((db) => db.query('SELECT 1')));
    spareMs.push(performance.now() - t0);
    spareStall.push(probe.stop().maxGapMs);
    await manager.closeAll();

    // (d) Create Playground through the product's path, from warm spares (filled in the background, not timed)
    const folders = new PlaygroundDatabaseFolders({ root: ctx.scratch(`store-${i}`) });
    await folders.prewarm();
    probe = startStallProbe();
    t0 = performance.now();
    let session = await PlaygroundSession.create(TODO, folders);
    store.warm.push(performance.now() - t0);
    store.stall.push(probe.stop().maxGapMs);
    // Reset (or a second playground) once the pool has refilled, as it does a few seconds after a claim
    await folders.prewarm();
    probe = startStallProbe();
    t0 = performance.now();
    await session.close();
    session = await PlaygroundSession.create(TODO, folders);
    store.reset.push(performance.now() - t0);
    store.resetStall.push(probe.stop().maxGapMs);
    await session.close();
    await folders.closeAll();
    // the same path with prewarming switched off: every database copied from the template and started
    const cold = new PlaygroundDatabaseFolders({ root: ctx.scratch(`store-cold-${i}`), prewarm: () => false });
    t0 = performance.now();
    session = await PlaygroundSession.create(TODO, cold);
    store.cold.push(performance.now() - t0);
    await session.close();
    await cold.closeAll();

    // reopening the same three folders (the idle-close → next statement path)
    t0 = performance.now();
    dbs = await Promise.all(dirs.map((dataDir) => openPgliteWorker({ dataDir, settings: PLAYGROUND_SETTINGS })));
    await Promise.all(dbs.map((db) => db.query('SELECT 1')));
    reopenMs.push(performance.now() - t0);
    await Promise.all(dbs.map((db) => db.close()));

    // (a) anchor: the same open (a template copy) on this thread
    const dir = ctx.scratch(`inthread-${i}`);
    await copyTemplateInto(dir);
    probe = startStallProbe();
    const local = await openPglite({ dataDir: dir });
    inThreadStall.push(probe.stop().maxGapMs);
    await local.close();

    // (b) anchor: what a naive extension does: three databases by initdb, on this thread (they cannot overlap)
    t0 = performance.now();
    const fresh = [];
    for (const _ of NAMES) fresh.push(await openPglite());
    await Promise.all(fresh.map((db) => db.query('SELECT 1')));
    initdbMs.push(performance.now() - t0);
    await Promise.all(fresh.map((db) => db.close()));
  }

  ctx.log('startup: memory (child processes)');
  const rss = { workers: [] as number[], workersDefault: [] as number[], inThread: [] as number[], store: [] as number[], storeSpares: [] as number[] };
  for (let i = 0; i < ctx.runs; i++) {
    rss.store.push(await measureRssInChild('store', ctx.scratch(`rss-s-${i}`)));
    rss.storeSpares.push(await measureRssInChild('store-with-spares', ctx.scratch(`rss-ss-${i}`)));
    rss.workers.push(await measureRssInChild('workers', ctx.scratch(`rss-w-${i}`)));
    rss.workersDefault.push(await measureRssInChild('workers-default-buffers', ctx.scratch(`rss-wd-${i}`)));
    rss.inThread.push(await measureRssInChild('in-thread', ctx.scratch(`rss-t-${i}`)));
  }

  return [
    {
      suite: name,
      figure: { label: 'main-thread stall: hub+2 start in workers', unit: 'ms', samples: workerStall },
      anchor: { label: '1 in-thread open (template copy)', unit: 'ms', samples: inThreadStall },
      target: '≤ 50 ms',
    },
    {
      suite: name,
      figure: { label: 'hub+2 usable: template copy + workers', unit: 'ms', samples: workerMs },
      anchor: { label: '3 in-thread initdb (in memory)', unit: 'ms', samples: initdbMs },
      target: '≤ 1000 ms',
    },
    {
      suite: name,
      figure: { label: 'hub+2 usable: claimed from warm spares', unit: 'ms', samples: spareMs },
      anchor: { label: '3 in-thread initdb (in memory)', unit: 'ms', samples: initdbMs },
      target: '≤ 1000 ms',
    },
    {
      suite: name,
      figure: { label: 'main-thread stall: hub+2 claimed from spares', unit: 'ms', samples: spareStall },
      anchor: { label: '1 in-thread open (template copy)', unit: 'ms', samples: inThreadStall },
      target: '≤ 50 ms',
    },
    {
      suite: name,
      figure: { label: 'Create playground (store path, warm spares) → hub+2 usable', unit: 'ms', samples: store.warm },
      anchor: { label: 'same path, prewarm off (template copies)', unit: 'ms', samples: store.cold },
      target: '≤ 1000 ms',
    },
    {
      suite: name,
      figure: { label: 'main-thread stall: Create playground (store path)', unit: 'ms', samples: store.stall },
      anchor: { label: '1 in-thread open (template copy)', unit: 'ms', samples: inThreadStall },
      target: '≤ 50 ms',
    },
    {
      suite: name,
      figure: { label: 'Reset playground (close + create, refilled spares)', unit: 'ms', samples: store.reset },
      anchor: { label: 'same path, prewarm off (template copies)', unit: 'ms', samples: store.cold },
      target: '≤ 1000 ms',
    },
    {
      suite: name,
      figure: { label: 'main-thread stall: Reset playground', unit: 'ms', samples: store.resetStall },
      anchor: { label: '1 in-thread open (template copy)', unit: 'ms', samples: inThreadStall },
      target: '≤ 50 ms',
    },
    {
      suite: name,
      figure: { label: 'process RSS, store path hub+2 (todo + workload)', unit: 'MB', samples: rss.store },
      anchor: { label: 'hub+2 in-thread, PGlite defaults', unit: 'MB', samples: rss.inThread },
      target: '≤ 600 MB',
    },
    {
      suite: name,
      figure: { label: 'process RSS, store path hub+2 + 3 refilled spares', unit: 'MB', samples: rss.storeSpares },
      anchor: { label: 'store path hub+2 alone', unit: 'MB', samples: rss.store },
      note: 'spares unclaimed for 3 min are stopped (DEFAULT_SPARE_IDLE_MS)',
    },
    {
      suite: name,
      figure: { label: 'hub+2 reopen existing folders (workers)', unit: 'ms', samples: reopenMs },
      anchor: { label: 'hub+2 new from template (workers)', unit: 'ms', samples: workerMs },
    },
    {
      suite: name,
      figure: { label: 'process RSS, hub+2 workers, shared_buffers 16MB', unit: 'MB', samples: rss.workers },
      anchor: { label: 'hub+2 in-thread, PGlite defaults', unit: 'MB', samples: rss.inThread },
      target: '≤ 600 MB',
    },
    {
      suite: name,
      figure: { label: 'process RSS, hub+2 workers, shared_buffers 16MB', unit: 'MB', samples: rss.workers },
      anchor: { label: 'hub+2 workers, shared_buffers 128MB', unit: 'MB', samples: rss.workersDefault },
    },
  ];
}
