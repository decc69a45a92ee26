/**
 * The template data directory: one pristine, initdb'd PGlite data folder per machine and PGlite version, kept in
 * a cache folder. New databases on disk are copies of it, so initdb (2-4 s of CPU) never runs on the hot path;
 * a copy is ~39 MB in ~970 small files (see copyTree.ts) and takes a fraction of that.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { copyTree } from './copyTree';
import { LOCK_FILE, lockDataDir } from './dataDirLock';
import { pgliteBuildKey } from './pgliteBuild';
import { startPgliteWorker } from './worker/workerPort';

/** Where the template folder lives: `<cacheDir>/pglite-<version>-datadir`. */
export function templateDataDirPath(cacheDir = path.join(os.tmpdir(), 'sync-playground')): string {
  return path.join(cacheDir, `pglite-${pgliteBuildKey()}-datadir`);
}

/** True when `dir` holds a data directory (initdb ran there). */
export function isDataDir(dir: string): boolean {
  return existsSync(path.join(dir, 'PG_VERSION'));
}

const building = new Map<string, Promise<string>>();

/**
 * The template folder, made once when missing: initdb runs in a worker (never on this thread) into a scratch
 * folder that is renamed into place, so a reader never sees half a template and two builders do not collide.
 */
export function templateDataDir(target = templateDataDirPath()): Promise<string> {
  if (isDataDir(target)) return Promise.resolve(target);
  let p = building.get(target);
  if (!p) {
    p = buildTemplate(target).finally(() => building.delete(target));
    building.set(target, p);
  }
  return p;
}

async function buildTemplate(target: string): Promise<string> {
  const scratch = `${target}.build-${process.pid}-${Date.now()}`;
  await mkdir(path.dirname(target), { recursive: true });
  try {
    const lock = lockDataDir(scratch, 'template data directory (initdb)');
    const db = await startPgliteWorker({ dataDir: scratch }, lock);
    await db.close(); // releases the lock: the template holds no lock file
    try {
      await rename(scratch, target);
    } catch (e) {
      // another process finished first: theirs is as good as ours
      if (!isDataDir(target)) throw e;
    }
    return target;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Fills `dir` with a copy of the template when it holds no data directory yet (it may hold our lock file).
 * Returns true when it copied. Refuses a folder that holds other files, rather than mixing them with a database.
 */
export async function copyTemplateInto(dir: string, template?: string): Promise<boolean> {
  if (isDataDir(dir)) return false;
  const stray = existsSync(dir) ? readdirSync(dir).filter((f) => f !== LOCK_FILE) : [];
  if (stray.length) {
    throw new Error(
      `The folder ${dir} is not a database folder and is not empty (${stray.slice(0, 3).join(', ')}…). ` +
        'Choose an empty or new folder for a new database.',
    );
  }
  const source = template ?? (await templateDataDir());
  // copy-on-write clones where the filesystem can (btrfs, xfs, APFS), plain copies elsewhere; never the lock file
  await copyTree(source, dir, (name) => name === LOCK_FILE);
  return true;
}
