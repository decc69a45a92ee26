/**
 * The embedded databases of a playground (the hub and its replicas), each a PGlite in its own worker thread and
 * its own folder under one root.
 *
 * - Lazy: constructing the manager starts nothing; a database's worker starts on its first statement (or on
 *   `open`), so extension activation costs no database time.
 * - Parallel: several databases open at once, each in its own thread, so a hub and two replicas start together.
 * - Idle close: a database unused for `idleCloseMs` (no statement, transaction or cursor in flight, and no session
 *   state a SQL console or served client left: see sessionState.ts) stops its worker and frees its memory
 *   (~65-110 MB each with PLAYGROUND_SETTINGS); the next statement reopens it (~0.5 s).
 * - One owner per folder: the manager goes through openPgliteWorker, which locks each folder.
 * - Spares (optional, `spares`): after `prewarm()`, a few blank databases wait started in their workers, and a
 *   new database claims one instead of copying the template and starting PGlite (see sparePool.ts). Spares left
 *   unclaimed for `spareIdleMs` are stopped, so their memory is held only around the time databases are made.
 */
import * as path from 'node:path';
import { ClosedError, InvalidInputError } from '../core/errors';
import type { IDisposable } from '../core/dispose';
import type { QueryResult, Queryable, Row, RowCursor, SqlPort } from '../core/sql';
import { lockDataDir } from './dataDirLock';
import { holdsSessionState } from './sessionState';
import { isDataDir } from './dataDirTemplate';
import { SparePool } from './sparePool';
import { emptyTrash, moveToTrash } from './trash';
import { openPgliteWorker } from './worker/openPgliteWorker';
import type { WorkerSqlPort } from './worker/workerPort';
import type { DataDirLock } from './dataDirLock';

/**
 * PostgreSQL's default buffer pool (128 MB) is most of a PGlite instance's resident memory; playground databases
 * are small, and 16 MB saves ~110 MB per database (measured: hub + 2 replicas 864 → 528 MB process RSS).
 */
export const PLAYGROUND_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '16MB' };

export interface DatabaseManagerOptions {
  /** The folder holding one sub-folder per database. */
  readonly root: string;
  /** Stop a database's worker after this many ms without use; undefined or 0 keeps it running. */
  readonly idleCloseMs?: number;
  /** Skip fsync on commit (faster; a crash may lose the last commits). */
  readonly relaxedDurability?: boolean;
  /** PostgreSQL settings for every database; default PLAYGROUND_SETTINGS. */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * How many blank databases to keep started for new databases to claim, once `prewarm()` was called (0 to 3,
   * default 0). Each waiting spare holds ~100 MB, so start them when databases are about to be made (the first
   * playground or SQL run), never at extension activation.
   */
  readonly spares?: number;
  /** Stop spares still unclaimed this many ms after the last `prewarm()` or refill; undefined or 0 keeps them. */
  readonly spareIdleMs?: number;
}

/** After a claim, the pool is refilled this much later, so the refill does not compete with the new databases. */
const REFILL_DELAY_MS = 5_000;
/** Dropped folders are deleted this much later, for the same reason (see trash.ts). */
const EMPTY_TRASH_DELAY_MS = 5_000;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** What a worker's port offers to stop a statement (core/sql InterruptibleDatabase), for ManagedDatabase to pass on. */
interface Interruptible {
  readonly canInterrupt: boolean;
  interruptible<T>(scope: { statementTimeoutMs(): number }, fn: () => Promise<T>): Promise<T>;
  interrupt(scope: { statementTimeoutMs(): number }): Promise<boolean>;
}

/** Owns the playground's databases. Dispose (or `closeAll`) to stop every worker. */
export class DatabaseManager implements IDisposable {
  readonly #databases = new Map<string, ManagedDatabase>();
  readonly #spares: SparePool | undefined;
  #refill: NodeJS.Timeout | undefined;
  #spareIdle: NodeJS.Timeout | undefined;
  #emptyTrash: NodeJS.Timeout | undefined;
  #disposed = false;

  constructor(readonly options: DatabaseManagerOptions) {
    if (options.spares) {
      this.#spares = new SparePool({
        // under the root: the same filesystem as the databases, so a claim is a rename; not a database name (NAME)
        folder: path.join(options.root, '.spares'),
        size: options.spares,
        settings: options.settings ?? PLAYGROUND_SETTINGS,
        ...(options.relaxedDurability !== undefined ? { relaxedDurability: options.relaxedDurability } : {}),
      });
    }
  }

  /**
   * Starts the spare databases (see `spares`) in the background; resolves when they are ready. They are stopped
   * again when nothing claimed them for `spareIdleMs`.
   */
  prewarm(): Promise<void> {
    if (this.#disposed || !this.#spares) return Promise.resolve();
    const spares = this.#spares;
    const filled = spares.fill();
    const ms = this.options.spareIdleMs;
    clearTimeout(this.#spareIdle);
    // counted from when the spares are ready: starting them can take longer than a short idle time
    if (ms) {
      void filled.then(() => {
        if (this.#disposed) return;
        clearTimeout(this.#spareIdle);
        this.#spareIdle = setTimeout(() => void spares.drain(), ms);
        this.#spareIdle.unref();
      });
    }
    return filled;
  }

  /** Stops the spares waiting now (the next `prewarm()` starts new ones). */
  releaseSpares(): Promise<void> {
    clearTimeout(this.#spareIdle);
    return this.#spares?.drain() ?? Promise.resolve();
  }

  /** Spare databases ready to be claimed now. */
  get sparesReady(): number {
    return this.#spares?.available ?? 0;
  }

  /** Spare databases ready or starting (a claim waits for a starting one). */
  get sparesPending(): number {
    return this.#spares?.pending ?? 0;
  }

  /**
   * The database called `name` (a folder under the root, made from the template on first open). Starts nothing:
   * the worker starts on the first statement. The same name always gives the same object.
   */
  database(name: string): ManagedDatabase {
    if (this.#disposed) throw new ClosedError('The database manager');
    if (!NAME.test(name)) {
      throw new InvalidInputError(
        `"${name}" cannot name a database: use letters, digits, "_", "-" or "." (up to 63), starting with a letter or digit.`,
        'name',
      );
    }
    let db = this.#databases.get(name);
    if (!db) {
      db = new ManagedDatabase(name, path.join(this.options.root, name), this.options, () => this.#databases.delete(name), {
        available: () => this.sparesPending,
        claim: (lock) => this.#claimSpare(lock),
      });
      this.#databases.set(name, db);
    }
    return db;
  }

  /** Starts several databases at once and resolves when all accept statements. */
  async open(names: readonly string[]): Promise<ManagedDatabase[]> {
    const dbs = names.map((n) => this.database(n));
    await Promise.all(dbs.map((d) => d.open()));
    return dbs;
  }

  /** The databases this manager has handed out, open or not. */
  get databases(): readonly ManagedDatabase[] {
    return [...this.#databases.values()];
  }

  /**
   * Closes `name` and removes its folder: moved aside at once (so a new database can take the name right away)
   * and deleted a few seconds later, or on closeAll.
   */
  async drop(name: string): Promise<void> {
    const db = this.database(name);
    await db.close();
    if (await moveToTrash(db.dataDir, this.#trash)) {
      clearTimeout(this.#emptyTrash);
      this.#emptyTrash = setTimeout(() => void emptyTrash(this.#trash), EMPTY_TRASH_DELAY_MS);
      this.#emptyTrash.unref();
    }
  }

  /** Where dropped folders wait to be deleted: under the root (same file system), not a database name. */
  get #trash(): string {
    return path.join(this.options.root, '.trash');
  }

  /** Stops every worker (spares included) and frees every folder. */
  async closeAll(): Promise<void> {
    this.#disposed = true;
    clearTimeout(this.#refill);
    clearTimeout(this.#spareIdle);
    clearTimeout(this.#emptyTrash);
    await Promise.all([...this.#databases.values()].map((d) => d.close()));
    await this.#spares?.close();
    await emptyTrash(this.#trash);
  }

  async #claimSpare(lock: DataDirLock): Promise<WorkerSqlPort | undefined> {
    const port = await this.#spares?.claim(lock);
    if (port && !this.#disposed) {
      clearTimeout(this.#refill);
      this.#refill = setTimeout(() => void this.prewarm(), REFILL_DELAY_MS);
      this.#refill.unref();
    }
    return port;
  }

  dispose(): void {
    void this.closeAll();
  }
}

/**
 * One managed database: the SQL port, with a worker that starts on demand and stops when idle. `close()` is
 * final (the SqlPort contract); `suspend()` only stops the worker until the next statement.
 */
export class ManagedDatabase implements SqlPort {
  readonly kind = 'pglite' as const;
  #port: WorkerSqlPort | undefined;
  #opening: Promise<WorkerSqlPort> | undefined;
  #closed = false;
  /** Statements, transactions and cursors in flight: the worker is not idle while any is. */
  #busy = 0;
  #idleTimer: NodeJS.Timeout | undefined;
  #suspending: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly dataDir: string,
    private readonly options: DatabaseManagerOptions,
    private readonly onClosed: () => void,
    /** Started spares for a new folder; without one, the template is copied and PGlite started. */
    private readonly spares?: {
      /** Spares ready or starting. */
      available(): number;
      claim(lock: DataDirLock): Promise<WorkerSqlPort | undefined>;
    },
  ) {}

  /** True while its worker runs. */
  get isOpen(): boolean {
    return !!this.#port?.isOpen;
  }

  /** The running worker's port, for diagnostics; undefined while suspended. */
  get port(): WorkerSqlPort | undefined {
    return this.#port;
  }

  /** Starts the worker now (it also starts on the first statement). */
  async open(): Promise<void> {
    await this.#ensure();
    this.#armIdle();
  }

  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#use((p) => p.query<R>(sql, params));
  }

  exec(sql: string): Promise<QueryResult[]> {
    return this.#use((p) => p.exec(sql));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#use((p) => p.transaction(fn));
  }

  /** The cursor keeps the database busy (no idle close) until it is closed. */
  async cursor(sql: string, params?: readonly unknown[]): Promise<RowCursor> {
    this.#busy++; // held across the whole cursor lifetime, released by close()
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#busy--;
      this.#armIdle();
    };
    try {
      const c = await (await this.#ensure()).cursor(sql, params);
      return {
        fields: c.fields,
        read: (count) => c.read(count),
        close: () => c.close().finally(release),
      };
    } catch (e) {
      release();
      throw e;
    }
  }

  /**
   * Stopping a running statement (the SQL runner's Cancel and statement timeout): done by the worker's port, which
   * restarts its worker on the same folder (see workerPort.ts). Duck-typed, so a port without it runs `fn` as is.
   */
  get canInterrupt(): boolean {
    return (this.#port as Partial<Interruptible> | undefined)?.canInterrupt ?? true;
  }

  /** Runs `fn` with its statements on this database in `scope` (see canInterrupt). */
  async interruptible<T>(scope: { statementTimeoutMs(): number }, fn: () => Promise<T>): Promise<T> {
    const port = (await this.#ensure()) as Partial<Interruptible>;
    return typeof port.interruptible === 'function' ? port.interruptible(scope, fn) : fn();
  }

  /** Stops the statement of `scope` running now; false when none is (see canInterrupt). */
  async interrupt(scope: { statementTimeoutMs(): number }): Promise<boolean> {
    const port = this.#port as Partial<Interruptible> | undefined;
    return typeof port?.interrupt === 'function' ? port.interrupt(scope) : false;
  }

  /**
   * Raw wire-protocol messages with the database to itself, for the localhost server (src/db/serve). The worker
   * counts as busy meanwhile, so it is not closed for idleness under a client's open transaction.
   */
  protocolSession<T>(fn: (exec: (bytes: Uint8Array) => Promise<Uint8Array>) => Promise<T>): Promise<T> {
    return this.#use((p) => p.protocolSession(fn));
  }

  /** Stops the worker and frees its memory; the next statement starts it again. Waits for work in flight. */
  suspend(): Promise<void> {
    clearTimeout(this.#idleTimer);
    this.#suspending ??= (async () => {
      const port = this.#port ?? (await this.#opening?.catch(() => undefined));
      this.#port = undefined;
      this.#opening = undefined;
      await port?.close();
    })().finally(() => (this.#suspending = undefined));
    return this.#suspending;
  }

  /** Stops the worker for good; later calls reject with ClosedError. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.suspend();
    this.onClosed();
  }

  async #use<T>(fn: (port: WorkerSqlPort) => Promise<T>): Promise<T> {
    this.#busy++;
    clearTimeout(this.#idleTimer);
    try {
      return await fn(await this.#ensure());
    } finally {
      this.#busy--;
      this.#armIdle();
    }
  }

  async #ensure(): Promise<WorkerSqlPort> {
    if (this.#closed) throw new ClosedError(`The database "${this.name}"`);
    if (this.#port?.isOpen) return this.#port;
    // the folder is free only once a stopping worker has stopped
    await this.#suspending;
    if (this.#port?.isOpen) return this.#port;
    this.#opening ??= this.#start().then(
      (port) => {
        this.#port = port;
        this.#opening = undefined;
        // a dead worker is forgotten: the next statement starts a new one on the same folder
        port.onExit(() => this.#port === port && (this.#port = undefined));
        return port;
      },
      (e: unknown) => {
        this.#opening = undefined;
        throw e;
      },
    );
    return this.#opening;
  }

  async #start(): Promise<WorkerSqlPort> {
    const purpose = `database "${this.name}"`;
    // only a new database can be a spare; an existing folder is reopened as it is
    if (this.spares?.available() && !isDataDir(this.dataDir)) {
      const lock = lockDataDir(this.dataDir, purpose);
      let port: WorkerSqlPort | undefined;
      try {
        port = await this.spares.claim(lock);
      } finally {
        // no spare: free the folder for openPgliteWorker, which locks it again and copies the template
        if (!port) lock.release();
      }
      if (port) return port;
    }
    return openPgliteWorker({
      dataDir: this.dataDir,
      purpose,
      settings: this.options.settings ?? PLAYGROUND_SETTINGS,
      ...(this.options.relaxedDurability !== undefined ? { relaxedDurability: this.options.relaxedDurability } : {}),
    });
  }

  #armIdle(): void {
    clearTimeout(this.#idleTimer);
    const ms = this.options.idleCloseMs;
    if (!ms || this.#busy > 0 || !this.#port) return;
    this.#idleTimer = setTimeout(() => void this.#suspendIfIdle(), ms);
    this.#idleTimer.unref(); // an idle timer must not keep a process (a test, the CLI) alive
  }

  async #suspendIfIdle(): Promise<void> {
    const port = this.#port;
    if (this.#busy > 0 || !port) return;
    // the probe runs on the port itself, not through #use: it must not count as use and re-arm the timer
    if (await holdsSessionState(port)) return this.#armIdle();
    // work that started while the probe ran keeps the database; suspend() takes the port synchronously
    if (this.#busy === 0 && this.#port === port) await this.suspend();
  }
}
