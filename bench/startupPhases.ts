/**
 * Where a playground's start-up time goes, phase by phase, in a fresh process (the "warm machine" means warm
 * disk cache and a built template, not a warm process). Not part of `npm run bench`: a profiling aid.
 *
 *   node --import tsx bench/startupPhases.ts [runs] [template-dir]
 *
 * Use the bundled worker (SYNC_PLAYGROUND_PGLITE_WORKER=dist/pgliteWorker.js) to measure what users run;
 * from source each worker also loads tsx and compiles the TypeScript entry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cp } from 'node:fs/promises';
import { constants } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { copyTree } from '../src/db/copyTree';
import { templateDataDir } from '../src/db/dataDirTemplate';
import { PLAYGROUND_SETTINGS } from '../src/db/databaseManager';
import { loadPgliteAssets } from '../src/db/pgliteAssets';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import { median } from './stats';

const runs = Number(process.argv[2] ?? 5);

async function time<T>(fn: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const v = await fn();
  return [performance.now() - t0, v];
}

async function oneRun(template: string, scratch: string, i: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const dirs = ['hub', 'replica-a', 'replica-b'].map((n) => path.join(scratch, `${n}-${i}`));
  [out['assets: read + compile WASM']] = await time(() => loadPgliteAssets());
  [out['worker spawn (empty worker, x3 parallel)']] = await time(() =>
    Promise.all(
      [0, 1, 2].map(
        () =>
          new Promise<void>((resolve) => {
            const w = new Worker('require("node:worker_threads").parentPort.postMessage(1)', { eval: true });
            w.once('message', () => void w.terminate().then(() => resolve()));
          }),
      ),
    ),
  );
  [out['copy template: fs.cp (x3 parallel)']] = await time(() =>
    Promise.all(dirs.map((d) => cp(template, d, { recursive: true, mode: constants.COPYFILE_FICLONE }))),
  );
  const treeDirs = dirs.map((d) => `${d}-tree`);
  [out['copy template: copyTree (x3 parallel)']] = await time(() => Promise.all(treeDirs.map((d) => copyTree(template, d))));
  const cpDirs = dirs.map((d) => `${d}-cp`);
  [out['copy template: cp -r (x3 sequential, child)']] = await time(async () => {
    for (const d of cpDirs) execFileSync('cp', ['-r', '--reflink=auto', template, d]);
  });
  const assets = await loadPgliteAssets();
  const startParams = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];
  const [tOpen, db] = await time(() => PGlite.create({ dataDir: cpDirs[0], ...assets, startParams }));
  out['PGlite.create on existing dir (this thread, 1)'] = tOpen;
  [out['first query (this thread)']] = await time(() => db.query('SELECT 1'));
  [out['PGlite close (this thread)']] = await time(() => db.close());
  const [tw, ports] = await time(() =>
    Promise.all(cpDirs.slice(1).map((dataDir) => openPgliteWorker({ dataDir, settings: PLAYGROUND_SETTINGS }))),
  );
  out['2 workers open existing dirs (parallel)'] = tw;
  await Promise.all(ports.map((p) => p.close()));
  const fresh = dirs.map((d) => `${d}-new`);
  const [tn, ports3] = await time(async () => {
    const ps = await Promise.all(fresh.map((dataDir) => openPgliteWorker({ dataDir, settings: PLAYGROUND_SETTINGS })));
    await Promise.all(ps.map((p) => p.query('SELECT 1')));
    return ps;
  });
  out['hub+2 new (copy + 3 workers), end to end'] = tn;
  await Promise.all(ports3.map((p) => p.close()));
  return out;
}

async function main(): Promise<void> {
  const template = process.argv[3] ?? (await templateDataDir());
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'sp-phases-'));
  const all: Record<string, number[]> = {};
  try {
    for (let i = 0; i < runs; i++) {
      // each run in its own process, so the once-per-process costs (assets) are counted every time
      const line = execFileSync(process.execPath, [...process.execArgv, __filename, '--one', template, scratch, String(i)], {
        encoding: 'utf8',
      });
      for (const [k, v] of Object.entries(JSON.parse(line.trim().split('\n').pop()!) as Record<string, number>)) {
        (all[k] ??= []).push(v);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const [k, v] of Object.entries(all)) {
    console.log(`${k.padEnd(48)} median ${median(v).toFixed(0).padStart(5)} ms  min ${Math.min(...v).toFixed(0).padStart(5)} ms`);
  }
  console.log(`load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
}

if (process.argv[2] === '--one') {
  void oneRun(process.argv[3]!, process.argv[4]!, Number(process.argv[5])).then((r) => {
    console.log(JSON.stringify(r));
    setTimeout(() => process.exit(0), 50);
  });
} else {
  void main();
}
