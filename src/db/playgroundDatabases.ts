/**
 * The replication playground's embedded databases on disk: the hub and each replica a folder under one root
 * (`<root>/<name>`), run by one DatabaseManager (each database in its own worker thread).
 *
 * Fast "Create playground": once the extension has needed PGlite (`prewarm()`, called by the extension when a
 * playground or the SQL playground opens, or when a command that makes one starts), blank databases wait started
 * in workers (spares), and a new hub or replica claims one in milliseconds instead of copying the template and
 * starting PGlite (~0.5 s of CPU each). After claims the pool refills a few seconds later, so a reset or a second
 * playground is fast too; spares nobody claimed are stopped after `spareIdleMs`, so their memory (~65-110 MB
 * each) is held only around the time playgrounds are made.
 *
 * Memory: every database runs with PLAYGROUND_SETTINGS (shared_buffers 16 MB), and a database unused for
 * `idleCloseMs` stops its worker; the next statement reopens it from its folder.
 */
import type { IDisposable } from '../core/dispose';
import type { PlaygroundDatabases } from '../core/playground/playgroundSession';
import type { SqlPort } from '../core/sql';
import { DatabaseManager } from './databaseManager';
import { MAX_SPARES } from './sparePool';

/** Spares for a hub and two replicas, the playground every sample and the blank setup start with. */
export const DEFAULT_SPARES = Math.min(3, MAX_SPARES);
/** Long enough to cover making a playground and resetting it soon after; short enough not to hold memory idle. */
export const DEFAULT_SPARE_IDLE_MS = 3 * 60_000;

export interface PlaygroundDatabasesOptions {
  /** The folder holding one sub-folder per database (`hub`, each replica's name). */
  readonly root: string;
  /** Whether `prewarm()` starts spares; read at each call, so a changed setting applies at once. Default true. */
  readonly prewarm?: () => boolean;
  /** How many spares to keep ready (0 to MAX_SPARES); default DEFAULT_SPARES. */
  readonly spares?: number;
  /** Spares unclaimed this long are stopped; default DEFAULT_SPARE_IDLE_MS. */
  readonly spareIdleMs?: number;
  /** A database unused this long (ms) stops its worker; 0 keeps it running. Read each time a database goes idle. */
  readonly idleCloseMs?: () => number;
}

/**
 * Opens the playground's databases by name (PlaygroundDatabases for PlaygroundSession). The manager and its
 * spares are made on first use; `closeAll()` stops everything, and a later call starts afresh.
 */
export class PlaygroundDatabaseFolders implements PlaygroundDatabases, IDisposable {
  #manager: DatabaseManager | undefined;

  constructor(readonly options: PlaygroundDatabasesOptions) {}

  get #databases(): DatabaseManager {
    const idleCloseMs = this.options.idleCloseMs;
    this.#manager ??= new DatabaseManager({
      root: this.options.root,
      // the playground replays from its recording; a crash losing the last commits costs nothing more
      relaxedDurability: true,
      spares: this.options.spares ?? DEFAULT_SPARES,
      spareIdleMs: this.options.spareIdleMs ?? DEFAULT_SPARE_IDLE_MS,
      // a getter: the manager reads it each time a database goes idle, so a changed setting applies then
      get idleCloseMs() {
        return idleCloseMs?.() ?? 0;
      },
    });
    return this.#manager;
  }

  /**
   * The database `name`, started. `fresh`: a new blank database (a spare when one is ready or starting), after
   * deleting what was stored under that name; otherwise the stored one, reopened from its folder (a missing one
   * starts blank). The caller closes it; closing it frees its folder.
   */
  async open(name: string, fresh: boolean): Promise<SqlPort> {
    const m = this.#databases;
    if (fresh) await m.drop(name);
    const db = m.database(name);
    await db.open();
    return db;
  }

  /**
   * Starts the spares in the background and resolves when they are ready (nothing when prewarming is switched
   * off, which also stops the spares waiting). Never rejects: spares only save time.
   */
  prewarm(): Promise<void> {
    if (this.options.prewarm?.() === false) return this.#manager?.releaseSpares().catch(() => undefined) ?? Promise.resolve();
    return this.#databases.prewarm().catch(() => undefined);
  }

  /** Spares ready or starting now (for diagnostics and tests). */
  get sparesPending(): number {
    return this.#manager?.sparesPending ?? 0;
  }

  /** Stops every database and spare; the next `open` or `prewarm` starts a new manager. */
  async closeAll(): Promise<void> {
    const m = this.#manager;
    this.#manager = undefined;
    await m?.closeAll();
  }

  dispose(): void {
    void this.closeAll();
  }
}
