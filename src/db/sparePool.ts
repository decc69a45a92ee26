/**
 * Spare databases: a few blank PGlite databases already started in their workers, so a new database (a hub and
 * its replicas on "Create playground") is claimed in milliseconds instead of copied and started (~0.5 s of CPU
 * each, more than a second for three on two busy cores).
 *
 * How a running database changes folder: PGlite opens every file by its path under the folder it was started
 * on (open files keep their descriptors). To claim a spare, the entries of its folder are renamed into the
 * claimer's (locked, empty) folder, and the spare's folder is replaced by a symlink to the claimer's; from then on
 * the running database reads and writes the claimer's folder through that path. (The folder must be a real one at
 * start: PGlite's filesystem refuses a symlink as its root, but follows one under way.) This is safe only because
 * a spare is idle: PGlite runs nothing between statements (no background writer or checkpointer), and the pool
 * never runs a statement on a spare. The symlink stays until the claimed database closes.
 *
 * One owner: `claim` takes a spare off the list synchronously, before any await, so one spare is never handed to
 * two callers; the spare's folder is locked (dataDirLock) while it waits, and the claimer's folder is locked by
 * the claimer. Memory: each waiting spare costs ~100 MB (shared_buffers 16 MB), so the pool is small (≤ 3) and
 * is filled only when asked (`fill`), never at extension activation.
 *
 * Not on Windows: a folder holding open files cannot be renamed there, so the pool stays empty and databases are
 * made by copying the template.
 */
import { unlinkSync } from 'node:fs';
import { mkdir, readdir, rename, rm, rmdir, symlink } from 'node:fs/promises';
import * as path from 'node:path';
import type { IDisposable } from '../core/dispose';
import { LOCK_FILE, isAlive, lockDataDir, type DataDirLock } from './dataDirLock';
import { copyTemplateInto } from './dataDirTemplate';
import { startPgliteWorker, type WorkerSqlPort } from './worker/workerPort';

/** More would hold too much memory for databases nobody asked for yet. */
export const MAX_SPARES = 3;

export interface SparePoolOptions {
  /** Where spares wait; must be on the same filesystem as the folders they are claimed into (rename). */
  readonly folder: string;
  /** How many spares to keep ready, 0 to MAX_SPARES. */
  readonly size: number;
  /** The settings every claimer uses: a spare runs with these and cannot change them once started. */
  readonly settings?: Readonly<Record<string, string>>;
  readonly relaxedDurability?: boolean;
}

interface Spare {
  /** The folder the database was started on: a real folder while it waits, a symlink once claimed. */
  readonly dir: string;
  readonly port: WorkerSqlPort;
  /** What closing the port releases: the spare's lock while it waits, the claimer's lock once claimed. */
  readonly holder: { release: () => void };
}

let nextId = 0;

/** A pool of started blank databases. Dispose to stop the unclaimed ones and delete their folders. */
export class SparePool implements IDisposable {
  readonly size: number;
  readonly #ready: Spare[] = [];
  #starting = 0;
  /** Resolved (and replaced) each time a starting spare is ready or failed: claimers waiting for one look again. */
  #started = signal();
  #filling: Promise<void> = Promise.resolve();
  #disposed = false;
  #sweeping: Promise<void> | undefined;

  constructor(readonly options: SparePoolOptions) {
    this.size = process.platform === 'win32' ? 0 : Math.max(0, Math.min(MAX_SPARES, Math.floor(options.size)));
  }

  /** Spares ready to be claimed now. */
  get available(): number {
    return this.#ready.length;
  }

  /** Spares ready or starting: what claims can still be served without copying the template. */
  get pending(): number {
    return this.#ready.length + this.#starting;
  }

  /**
   * Starts spares in the background until `size` are ready or starting; resolves when those have started.
   * A spare that fails to start is left out (spares only save time; a claimer then copies the template).
   */
  fill(): Promise<void> {
    if (this.#disposed) return Promise.resolve();
    const missing = this.size - this.#ready.length - this.#starting;
    if (missing <= 0) return this.#filling;
    const started: Promise<void>[] = [];
    for (let i = 0; i < missing; i++) {
      this.#starting++;
      started.push(
        this.#start()
          .then((s) => (this.#disposed ? void this.#discard(s) : void this.#ready.push(s)))
          .catch(() => undefined)
          .finally(() => {
            this.#starting--;
            this.#started.fire();
            this.#started = signal();
          }),
      );
    }
    this.#filling = Promise.all([this.#filling, ...started]).then(() => undefined);
    return this.#filling;
  }

  /**
   * Gives a started blank database the folder `lock.dir` (locked by the caller, holding nothing but the lock
   * file) and returns it, or undefined when no spare is ready or starting. A claim made while spares are still
   * starting waits for one: starting a database the usual way meanwhile would compete with them for the CPU and
   * finish no sooner. Closing the returned port releases `lock`.
   */
  async claim(lock: DataDirLock): Promise<WorkerSqlPort | undefined> {
    if (!this.pending) return undefined;
    // a folder with anything in it is not the claimer's to fill: leave it to the usual checks (and keep the spare)
    if ((await readdir(lock.dir)).some((e) => e !== LOCK_FILE)) return undefined;
    let spare: Spare | undefined;
    for (;;) {
      // taken off the list with no await in between: never handed to two claimers
      while ((spare = this.#ready.shift()) && !spare.port.isOpen) void this.#discard(spare);
      if (spare || !this.#starting || this.#disposed) break;
      await this.#started.promise;
    }
    if (!spare) return undefined;
    const moved: string[] = [];
    try {
      const entries = (await readdir(spare.dir)).filter((e) => e !== LOCK_FILE);
      // PG_VERSION last: the claimer's folder reads as a database only once it is whole
      entries.sort((a, b) => Number(a === 'PG_VERSION') - Number(b === 'PG_VERSION'));
      for (const e of entries) {
        await rename(path.join(spare.dir, e), path.join(lock.dir, e));
        moved.push(e);
      }
    } catch {
      // half moved: the spare is unusable (closing it releases its own lock); the claimer gets its empty folder
      // back and copies the template
      await spare.port.close().catch(() => undefined);
      await Promise.all(moved.map((m) => rm(path.join(lock.dir, m), { recursive: true, force: true })));
      await rm(spare.dir, { recursive: true, force: true });
      return undefined;
    }
    spare.holder.release(); // the spare's lock file is all that is left in its folder
    spare.holder.release = () => {
      lock.release();
      try {
        unlinkSync(spare!.dir); // at once, like the lock file: the folder is free when close() returns
      } catch {
        // already gone
      }
    };
    try {
      await rmdir(spare.dir);
      await symlink(lock.dir, spare.dir, 'dir');
    } catch {
      // the database cannot follow its files (e.g. no symlinks allowed here): stop it, keeping the claimer's lock;
      // the claimer's folder now holds a whole blank database, which the claimer opens the usual way
      spare.holder.release = () => undefined;
      await spare.port.close().catch(() => undefined);
      return undefined;
    }
    return spare.port;
  }

  /**
   * Stops the spares waiting now and deletes their folders, to give their memory back; the pool stays usable
   * (`fill` starts new ones). Spares still starting are kept: they were asked for a moment ago.
   */
  async drain(): Promise<void> {
    await Promise.all(this.#ready.splice(0).map((s) => this.#discard(s)));
  }

  /** Stops the unclaimed spares and deletes their folders. Claimed databases are their claimers'. */
  async close(): Promise<void> {
    this.#disposed = true;
    await this.#filling;
    await Promise.all(this.#ready.splice(0).map((s) => this.#discard(s)));
  }

  dispose(): void {
    void this.close();
  }

  async #start(): Promise<Spare> {
    await mkdir(this.options.folder, { recursive: true });
    this.#sweeping ??= sweepDeadSpares(this.options.folder);
    await this.#sweeping;
    const dir = path.join(this.options.folder, `${process.pid}-${nextId++}`);
    const lock = lockDataDir(dir, 'spare database');
    const holder = { release: () => lock.release() };
    try {
      await copyTemplateInto(lock.dir);
      const port = await startPgliteWorker(
        {
          dataDir: lock.dir,
          ...(this.options.settings ? { settings: this.options.settings } : {}),
          ...(this.options.relaxedDurability !== undefined ? { relaxedDurability: this.options.relaxedDurability } : {}),
        },
        { dir: lock.dir, release: () => holder.release() },
      );
      return { dir: lock.dir, port, holder };
    } catch (e) {
      lock.release();
      await rm(dir, { recursive: true, force: true });
      throw e;
    }
  }

  async #discard(spare: Spare): Promise<void> {
    await spare.port.close().catch(() => undefined);
    await rm(spare.dir, { recursive: true, force: true });
  }
}

/** A promise and the function that resolves it. */
function signal(): { promise: Promise<void>; fire: () => void } {
  let fire!: () => void;
  const promise = new Promise<void>((resolve) => (fire = resolve));
  return { promise, fire };
}

/**
 * Deletes the spares (and claimed links) of processes that are gone: a killed extension host leaves its spare
 * folders behind, ~39 MB each. Names are `<pid>-<n>`; a live process's entries are left alone. fs.rm does not
 * follow a symlink, so a dead owner's link goes without touching the database it pointed to.
 */
async function sweepDeadSpares(folder: string): Promise<void> {
  const entries = await readdir(folder).catch(() => [] as string[]);
  await Promise.all(
    entries.map(async (e) => {
      const pid = Number(e.split('-')[0]);
      if (!Number.isInteger(pid) || pid === process.pid || isAlive(pid)) return;
      await rm(path.join(folder, e), { recursive: true, force: true }).catch(() => undefined);
    }),
  );
}
