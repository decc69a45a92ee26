/**
 * Resident memory of a hub and two replicas, measured in a fresh child process each time: RSS in a process that
 * already ran other benchmarks would count their garbage. The child is this same benchmark program started with
 * `--child-rss <kind> <folder>`; it prints one JSON line and exits.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { HUB, PlaygroundSession } from '../src/core/playground/playgroundSession';
import { PLAYGROUND_SAMPLES } from '../src/core/playground/samples';
import { copyTemplateInto } from '../src/db/dataDirTemplate';
import { PlaygroundDatabaseFolders } from '../src/db/playgroundDatabases';
import { PLAYGROUND_SETTINGS } from '../src/db/databaseManager';
import { openPglite } from '../src/db/pglitePort';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import type { SqlPort } from '../src/core/sql';

/**
 * `store` is the Create Playground path (PlaygroundSession.create on PlaygroundDatabaseFolders, from warm spares);
 * `store-with-spares` is the same once the pool has refilled beside the playground (as it does after a claim).
 */
export type RssKind = 'workers' | 'workers-default-buffers' | 'in-thread' | 'store' | 'store-with-spares';

/** A small workload, so the figure is for databases that have done something, not just started. */
const WORKLOAD =
  'CREATE TABLE items (id int PRIMARY KEY, name text, qty int); ' +
  "INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, 20000) g; " +
  'SELECT count(*), sum(qty) FROM items;';

/** Starts the child and returns its RSS in MB. */
export function measureRssInChild(kind: RssKind, dir: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [...process.execArgv, process.argv[1]!, '--child-rss', kind, dir],
      { timeout: 120_000 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`${err.message}\n${stderr}`));
        const line = stdout.trim().split('\n').pop() ?? '';
        resolve((JSON.parse(line) as { rssMb: number }).rssMb);
      },
    );
  });
}

/** The child's side: opens three databases of `kind` under `dir`, runs the workload, prints its RSS. */
export async function rssChildMain(kind: RssKind, dir: string): Promise<void> {
  if (kind === 'store' || kind === 'store-with-spares') return storeRss(kind, dir);
  const dirs = ['hub', 'replica-a', 'replica-b'].map((n) => path.join(dir, n));
  let dbs: SqlPort[];
  if (kind === 'in-thread') {
    dbs = [];
    for (const d of dirs) {
      await copyTemplateInto(d);
      dbs.push(await openPglite({ dataDir: d }));
    }
  } else {
    const settings = kind === 'workers' ? PLAYGROUND_SETTINGS : undefined;
    dbs = await Promise.all(dirs.map((dataDir) => openPgliteWorker({ dataDir, ...(settings ? { settings } : {}) })));
  }
  await Promise.all(dbs.map((db) => db.exec(WORKLOAD)));
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await Promise.all(dbs.map((db) => db.close()));
  process.stdout.write(`${JSON.stringify({ kind, rssMb })}\n`);
}

async function storeRss(kind: RssKind, dir: string): Promise<void> {
  const setup = PLAYGROUND_SAMPLES.find((s) => s.id === 'todo')!.setup;
  const folders = new PlaygroundDatabaseFolders({ root: dir });
  await folders.prewarm();
  const session = await PlaygroundSession.create(setup, folders);
  await Promise.all([HUB, ...setup.replicas.map((r) => r.name)].map((n) => session.database(n).exec(WORKLOAD)));
  if (kind === 'store-with-spares') await folders.prewarm();
  const rssMb = process.memoryUsage().rss / 2 ** 20;
  await session.close();
  await folders.closeAll();
  process.stdout.write(`${JSON.stringify({ kind, rssMb })}\n`);
}
