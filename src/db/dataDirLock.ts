/**
 * One owner per PGlite data directory.
 *
 * Why: opening the same folder twice (two PGlite instances, in one process or two) raises no error and silently
 * loses writes, because each instance has its own buffers and WAL position. So every open takes this lock first:
 * an in-process registry (a second open in this process fails at once, whatever the file says), and a lock file
 * inside the folder created with O_EXCL holding the owner's pid, checked for liveness so a crashed owner's stale
 * file is taken over instead of locking the folder forever.
 */
import { closeSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The lock file's name, inside the data directory. PostgreSQL ignores unknown files at the top of PGDATA. */
export const LOCK_FILE = 'sync-playground.lock';

/** Who holds a data directory. */
export interface DataDirOwner {
  readonly pid: number;
  readonly hostname: string;
  /** ISO time the lock was taken. */
  readonly since: string;
  /** What the owner uses it for, e.g. "replica a" — shown in the error. */
  readonly purpose: string;
}

/** The data directory is already open (by this process or another live one). */
export class DataDirLockedError extends Error {
  readonly reason = 'data-dir-locked' as const;
  constructor(
    readonly dir: string,
    readonly owner: DataDirOwner,
    readonly sameProcess: boolean,
  ) {
    super(
      `The database folder ${dir} is already open ` +
        (sameProcess
          ? `in this process (${owner.purpose}, since ${owner.since}). Close it before opening it again.`
          : `by process ${owner.pid} on ${owner.hostname} (${owner.purpose}, since ${owner.since}). ` +
            `Close it there first; if that process is gone, delete ${path.join(dir, LOCK_FILE)}.`),
    );
    this.name = 'DataDirLockedError';
  }
  static is(e: unknown): e is DataDirLockedError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'data-dir-locked';
  }
}

/** A held lock. `release()` is idempotent and also runs when the process exits. */
export interface DataDirLock {
  readonly dir: string;
  release(): void;
}

const held = new Map<string, DataDirOwner>();
let exitHookInstalled = false;

/** True while process `pid` runs (on this machine). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(file: string): DataDirOwner | undefined {
  try {
    const o = JSON.parse(readFileSync(file, 'utf8')) as Partial<DataDirOwner>;
    if (typeof o.pid !== 'number') return undefined;
    return { pid: o.pid, hostname: o.hostname ?? '?', since: o.since ?? '?', purpose: o.purpose ?? 'unknown' };
  } catch {
    return undefined; // unreadable or half-written: treated as stale below only if it stays so
  }
}

/**
 * Takes the lock on `dir` (created when missing). Throws DataDirLockedError naming the folder and its owner.
 * The lock is a file inside the folder, so a copied or moved folder keeps no lock of its own.
 */
export function lockDataDir(dir: string, purpose = 'database'): DataDirLock {
  mkdirSync(dir, { recursive: true });
  const key = realpathSync(dir);
  const mine = held.get(key);
  if (mine) throw new DataDirLockedError(key, mine, true);
  const owner: DataDirOwner = { pid: process.pid, hostname: os.hostname(), since: new Date().toISOString(), purpose };
  const file = path.join(key, LOCK_FILE);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, JSON.stringify(owner));
      } finally {
        closeSync(fd);
      }
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 3) throw e;
      const other = readOwner(file);
      const sameHost = other?.hostname === os.hostname();
      // a live owner elsewhere (or one on another host sharing this folder, which we cannot check) keeps the lock;
      // our own pid without a registry entry is a leftover of this process (e.g. a crashed worker): stale
      if (other && (!sameHost || (other.pid !== process.pid && isAlive(other.pid)))) {
        throw new DataDirLockedError(key, other, false);
      }
      // stale: move it aside atomically so two processes taking over at once cannot both delete a fresh lock
      const aside = `${file}.stale.${process.pid}.${attempt}`;
      try {
        renameSync(file, aside);
        unlinkSync(aside);
      } catch {
        // someone else moved it first: try again
      }
    }
  }
  held.set(key, owner);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const d of held.keys()) unlinkQuietly(path.join(d, LOCK_FILE));
      held.clear();
    });
  }
  let released = false;
  return {
    dir: key,
    release() {
      if (released) return;
      released = true;
      held.delete(key);
      unlinkQuietly(file);
    },
  };
}

/** The owner of `dir` as far as this process knows it, for status displays. */
export function dataDirOwnerInProcess(dir: string): DataDirOwner | undefined {
  try {
    return held.get(realpathSync(dir));
  } catch {
    return undefined;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // already gone
  }
}
