/**
 * The host side of a database worker: the SQL port over one PGlite that runs in its own worker thread.
 *
 * Why a worker: PGlite runs on the calling thread, and on the extension host that thread is every extension's
 * thread. initdb blocks it for seconds, and a long query blocks it for as long as it runs. In a worker, the host
 * only posts messages and awaits replies.
 *
 * One writer at a time: every call takes a host-side mutex, and `transaction()` holds it from BEGIN to
 * COMMIT/ROLLBACK, so nothing else interleaves with an open transaction. A worker that dies rejects every
 * pending and later call with WorkerExitedError; nothing waits forever.
 *
 * Stopping a statement: PGlite cannot interrupt one, so Cancel and the statement timeout stop the worker running
 * it and start a new one on the same folder (the port keeps the folder's lock throughout, and the new worker starts
 * only once the old thread has exited, so the folder is never open twice). Crash recovery on reopen rolls back the
 * stopped statement's transaction; everything committed stays. An in-memory database would be lost, so it never
 * does this (`canInterrupt`).
 */
import { Mutex } from 'async-mutex';
import { AsyncLocalStorage } from 'node:async_hooks';
import { realpathSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { ClosedError } from '../../core/errors';
import { Emitter } from '../../core/emitter';
import { ensureTransactionUsable } from '../../core/transactionGuard';
import type { IDisposable } from '../../core/dispose';
import type { InterruptScope, InterruptibleDatabase, QueryResult, Queryable, Row, RowCursor, SqlPort } from '../../core/sql';
import type { DataDirLock } from '../dataDirLock';
import { loadPgliteAssets } from '../pgliteAssets';
import type { SerializedDbError, WorkerOpenData, WorkerReply, WorkerRequest, WorkerResults } from './protocol';
import { interruptedError, type InterruptReason } from './interruptedError';
import { deserializeError } from './wireErrors';
import { resolveWorkerEntry } from './workerEntry';
import { WorkerExitedError } from './workerExitedError';
import { WorkerQuerySession, type SessionCall } from './workerQuerySession';
import type { QuerySession } from '../../core/query/querySession';

/** How long a polite close may take before the worker is terminated anyway. */
const CLOSE_TIMEOUT_MS = 10_000;
/** How long close() lets a running statement (or a served client's transaction) finish before it stops it. */
const CLOSE_GRACE_MS = 3_000;
/** A scope for statements nobody can interrupt by name (they can still be stopped by close()). */
const NO_TIMEOUT: InterruptScope = { statementTimeoutMs: () => 0 };

/** What the worker opens. `dataDir` must already be locked by the caller (see openPgliteWorker). */
export interface WorkerStartOptions {
  readonly dataDir?: string;
  /** In-memory only: start from the template tarball instead of running initdb. */
  readonly fromTemplate?: boolean;
  readonly relaxedDurability?: boolean;
  /** Initial WASM heap in bytes; PGlite's default is 128 MiB. */
  readonly initialMemory?: number;
  /** PostgreSQL settings passed at start (`-c name=value`). */
  readonly settings?: Readonly<Record<string, string>>;
}

type Pending = {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
  /** Whose statement it is (see interrupt()), and the statement, for the error when it is stopped. */
  readonly scope: InterruptScope | undefined;
  readonly sql: string;
  readonly params: readonly unknown[] | undefined;
  timer?: NodeJS.Timeout;
};
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Starts a worker on `options` and resolves when its database accepts statements. The lock, if given, is
 * released when the port closes or its worker dies (and right away when the open fails).
 */
export async function startPgliteWorker(options: WorkerStartOptions, lock?: DataDirLock): Promise<WorkerSqlPort> {
  const database = options.dataDir ?? 'an in-memory database';
  let port: WorkerSqlPort | undefined;
  try {
    // compiled once per process on the host (off-thread in V8) and shared: each worker skips its own compile
    const assets = await loadPgliteAssets();
    port = new WorkerSqlPort({ ...options, ...assets }, database, lock);
    await port.ready;
    return port;
  } catch (e) {
    if (port) await port.close().catch(() => undefined);
    else lock?.release();
    throw e;
  }
}

/** The SQL port over a database worker. Create with openPgliteWorker (src/db/worker/openPgliteWorker.ts). */
export class WorkerSqlPort implements SqlPort, InterruptibleDatabase {
  readonly kind = 'pglite' as const;
  /** Resolves when the database is open; rejects when it could not be. */
  readonly ready: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  readonly #mutex = new Mutex();
  /** Marks code running inside this port's transaction callback, to catch calls that would deadlock. */
  readonly #txScope = new AsyncLocalStorage<WorkerSqlPort>();
  /** The scope of the statements sent by code running inside interruptible(). */
  readonly #interruptScope = new AsyncLocalStorage<InterruptScope>();
  readonly #onExit = new Emitter<WorkerExitedError | undefined>();
  #worker: Worker;
  /** Workers stopped to interrupt a statement: their exit is expected. */
  readonly #retired = new WeakSet<Worker>();
  /** Set while a stopped worker is being replaced: calls wait for the new one. */
  #restarting: Promise<void> | undefined;
  #nextId = 1;
  #state: 'open' | 'closing' | 'closed' | 'dead' = 'open';
  #dead: WorkerExitedError | undefined;
  #lastWorkerError: unknown;
  #closing: Promise<void> | undefined;

  constructor(
    /** What the worker opens (sent as its workerData; again when it is restarted). */
    private readonly data: WorkerOpenData,
    /** Its data directory, or "an in-memory database": for messages. */
    readonly database: string,
    private readonly lock?: DataDirLock,
  ) {
    const { worker, ready } = this.#spawn(data);
    this.#worker = worker;
    this.ready = ready;
  }

  /** The worker thread now running the database, for diagnostics (threadId, resource usage). Do not post to it. */
  get worker(): Worker {
    return this.#worker;
  }

  /** True for a database on disk: a statement can be stopped by restarting the worker (see the file comment). */
  get canInterrupt(): boolean {
    return this.data.dataDir !== undefined;
  }

  /** Runs `fn`; the statements it sends belong to `scope`: interrupt(scope) stops them, and so does its timeout. */
  interruptible<T>(scope: InterruptScope, fn: () => Promise<T>): Promise<T> {
    return this.#interruptScope.run(scope, fn);
  }

  /** Stops the statement of `scope` running now (see InterruptibleDatabase); resolves once the database is back. */
  async interrupt(scope: InterruptScope): Promise<boolean> {
    for (const [id, p] of this.#pending) if (p.scope === scope) return this.#stop(id, { kind: 'cancel' });
    return false;
  }

  /**
   * Fires once when the worker stops: with the error when it died, with undefined after `close()`.
   * The database manager uses it to forget a dead database and reopen it on the next use.
   */
  readonly onExit = (listener: (error: WorkerExitedError | undefined) => void): IDisposable => this.#onExit.event(listener);

  /** True until `close()` is called or the worker dies. */
  get isOpen(): boolean {
    return this.#state === 'open';
  }

  async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    this.#checkCall('query');
    return this.#mutex.runExclusive(() => this.#call({ op: 'query', sql, params })) as Promise<QueryResult<R>>;
  }

  async exec(sql: string): Promise<QueryResult[]> {
    this.#checkCall('exec');
    return this.#mutex.runExclusive(() => this.#call({ op: 'exec', sql }));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#checkCall('transaction');
    return this.#mutex.runExclusive(async () => {
      await this.#call({ op: 'exec', sql: 'BEGIN' });
      let active = true;
      const finished = () => Promise.reject(new Error('This transaction has finished; run statements on the database.'));
      const tx: Queryable = {
        query: <R = Row>(sql: string, params: readonly unknown[] = []) =>
          active ? (this.#call({ op: 'query', sql, params }) as Promise<QueryResult<R>>) : finished(),
        exec: (sql: string) => (active ? this.#call({ op: 'exec', sql }) : finished()),
      };
      try {
        const result = await this.#txScope.run(this, () => fn(tx));
        await ensureTransactionUsable(tx);
        active = false;
        await this.#call({ op: 'exec', sql: 'COMMIT' });
        return result;
      } catch (e) {
        active = false;
        // after a failed COMMIT the transaction is already gone; ROLLBACK then only warns
        if (this.#state !== 'dead') await this.#call({ op: 'exec', sql: 'ROLLBACK' }).catch(() => undefined);
        throw e;
      }
    });
  }

  /**
   * Runs a read statement in the worker and hands out its rows in pages of arrays. The rows are held in the
   * worker (not on the host thread) until the cursor is closed; the database stays free for other statements.
   */
  async cursor(sql: string, params: readonly unknown[] = []): Promise<RowCursor> {
    this.#checkCall('cursor');
    const { cursor, fields } = await this.#mutex.runExclusive(() => this.#call({ op: 'cursorOpen', sql, params }));
    let open = true;
    return {
      fields,
      read: async (count: number) => {
        if (!open) throw new ClosedError('This cursor');
        this.#checkCall('cursor read');
        return this.#mutex.runExclusive(() => this.#call({ op: 'cursorRead', cursor, count }));
      },
      close: async () => {
        if (!open) return;
        open = false;
        if (this.#state === 'open') await this.#mutex.runExclusive(() => this.#call({ op: 'cursorClose', cursor }));
      },
    };
  }

  /**
   * The SQL playground's session on this database (found by src/db/query/openQuerySession.ts): rows in Postgres'
   * text form, read page by page from a portal in the worker, never materialised. Syncs and other statements run
   * between pages; the worker closes the open portal before they do, and the session's next page then says its rows
   * are gone (see sessionServer.ts).
   *
   * A run reads its first pages back to back (up to the row cap): the mutex stays with the session until the event
   * loop has nothing more from it (setImmediate), so a sync waiting for the database cannot cut in between those
   * pages, and waits at most for the pages already asked for. Fetch more and export pages take it one at a time.
   */
  async openQuerySession(scope: InterruptScope = { statementTimeoutMs: () => 0 }): Promise<QuerySession> {
    this.#checkCall('openQuerySession');
    let held: { release: () => void; timer?: NodeJS.Immediate } | undefined;
    const call: SessionCall = async (req) => {
      this.#checkCall('query session');
      if (held) clearImmediate(held.timer);
      else held = { release: await this.#mutex.acquire() };
      const mine = held;
      try {
        return await this.#call(req, scope);
      } finally {
        mine.timer = setImmediate(() => {
          if (held !== mine) return;
          held = undefined;
          mine.release();
        });
      }
    };
    return new WorkerQuerySession(call, {
      cancelBehaviour: this.canInterrupt ? 'interrupts' : 'between-statements',
      cancel: () => this.interrupt(scope),
    });
  }

  /**
   * Runs `fn` with the database to itself (the mutex is held until `fn` settles); `fn` sends raw wire-protocol
   * messages and gets the raw response bytes. For the localhost server (src/db/serve), whose clients' transactions
   * span several messages: nothing from the extension may interleave with them.
   */
  async protocolSession<T>(fn: (exec: (bytes: Uint8Array) => Promise<Uint8Array>) => Promise<T>): Promise<T> {
    this.#checkCall('protocolSession');
    return this.#mutex.runExclusive(() => fn((bytes) => this.#call({ op: 'protocolRaw', bytes })));
  }

  /**
   * Closes the database cleanly, stops the worker and frees the folder. A statement still running after a grace
   * period (CLOSE_GRACE_MS) is stopped with the worker: on disk, crash recovery rolls it back on the next open.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#txScope.getStore() === this) {
      return Promise.reject(new Error('close() was called inside the database\'s own transaction(); close it after the transaction.'));
    }
    if (this.#state === 'dead') {
      this.#state = 'closed';
      return (this.#closing = Promise.resolve());
    }
    this.#state = 'closing';
    this.#closing = (async () => {
      const acquiring = this.#mutex.acquire();
      let release: (() => void) | undefined;
      try {
        release = await withTimeout(acquiring, CLOSE_GRACE_MS);
        await withTimeout(this.#call({ op: 'close' }, NO_TIMEOUT), CLOSE_TIMEOUT_MS);
      } catch {
        // a worker that cannot close cleanly is terminated below; PGlite recovers the folder on the next open.
        // A mutex that arrives after the grace period is handed straight on (later callers get ClosedError).
        if (!release) void acquiring.then((r) => r());
      } finally {
        await this.#restarting; // a worker being started must not outlive the port
        await this.#worker.terminate();
        this.#state = 'closed';
        this.#rejectAll(new ClosedError(`The database ${this.database}`));
        release?.();
        this.lock?.release();
      }
    })();
    return this.#closing;
  }

  #checkCall(what: string): void {
    if (this.#dead) throw this.#dead;
    if (this.#state !== 'open') throw new ClosedError(`The database ${this.database}`);
    if (this.#txScope.getStore() === this) {
      // the mutex is held by the enclosing transaction: waiting for it here would never end
      throw new Error(`${what}() was called on the database inside its own transaction(); use the transaction's argument.`);
    }
  }

  async #call<Q extends DistributiveOmit<WorkerRequest, 'id'>>(
    req: Q,
    scope: InterruptScope | undefined = this.#interruptScope.getStore(),
  ): Promise<WorkerResults[Q['op']]> {
    if (this.#restarting) await this.#restarting;
    if (this.#dead) throw this.#dead;
    if (this.#state === 'closed') throw new ClosedError(`The database ${this.database}`);
    const id = this.#nextId++;
    return new Promise<WorkerResults[Q['op']]>((resolve, reject) => {
      const r = req as { sql?: string; params?: readonly unknown[] };
      const p: Pending = { resolve: resolve as (v: unknown) => void, reject, scope, sql: r.sql ?? '', params: r.params };
      this.#pending.set(id, p);
      const ms = (this.canInterrupt && scope?.statementTimeoutMs()) || 0;
      if (ms > 0) {
        p.timer = setTimeout(() => void this.#stop(id, { kind: 'timeout', afterMs: ms }), ms);
        p.timer.unref();
      }
      try {
        this.#worker.postMessage({ ...req, id });
      } catch (e) {
        // e.g. a parameter that cannot be cloned (a function, a class instance with private state)
        this.#take(id);
        reject(e);
      }
    });
  }

  /**
   * Stops the call `id` by stopping its worker, then starts a new worker on the same folder. The folder's lock
   * stays held by this port, and the new worker starts only after the old thread has exited.
   */
  async #stop(id: number, reason: InterruptReason): Promise<boolean> {
    const p = this.#pending.get(id);
    if (!p || !this.canInterrupt || this.#state !== 'open' || this.#restarting) return false;
    const old = this.#worker;
    this.#retired.add(old);
    let restarted!: () => void;
    this.#restarting = new Promise<void>((resolve) => (restarted = resolve));
    try {
      await old.terminate();
      this.#rejectAll(interruptedError(reason, this.database, p.sql, p.params));
      // a database claimed from a spare was started through a symlink; PGlite wants the real folder as its root
      const { worker, ready } = this.#spawn({ ...this.data, dataDir: realpathSync(this.data.dataDir!) });
      this.#worker = worker;
      await ready;
    } catch (e) {
      // the database did not come back: nothing may keep the folder open once the lock is released
      const failed = this.#worker;
      if (failed !== old) (this.#retired.add(failed), await failed.terminate());
      if (this.#state === 'open') this.#die(new WorkerExitedError(this.database, undefined, e));
    } finally {
      this.#restarting = undefined;
      restarted();
    }
    return true;
  }

  /** Starts a worker on `data`; `ready` settles when its database accepts requests (or could not open). */
  #spawn(data: WorkerOpenData): { worker: Worker; ready: Promise<void> } {
    const entry = resolveWorkerEntry();
    const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data, name: `pglite ${this.database}` });
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const ready = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    ready.catch(() => undefined); // observed by whoever started it; avoid an unhandled rejection elsewhere
    worker.on('message', (m: WorkerReply) => {
      if (m.id === 'ready') return settle.resolve();
      if (m.id === 'openFailed') return settle.reject(deserializeError(m.error as SerializedDbError));
      this.#onReply(m);
    });
    worker.on('error', (e) => (this.#lastWorkerError = e));
    worker.on('messageerror', (e) => (this.#lastWorkerError = e));
    worker.on('exit', (code) => {
      if (this.#retired.has(worker)) return settle.reject(new WorkerExitedError(this.database, code));
      this.#onWorkerExit(code, settle.reject);
    });
    return { worker, ready };
  }

  #onReply(m: Extract<WorkerReply, { id: number }>): void {
    const p = this.#take(m.id);
    if (!p) return; // a reply to a call already rejected (worker closing): nothing waits for it
    if (m.ok) p.resolve(m.result);
    else p.reject(deserializeError(m.error));
  }

  #onWorkerExit(code: number, rejectReady: (e: unknown) => void): void {
    if (this.#state === 'closing' || this.#state === 'closed') {
      this.#rejectAll(new ClosedError(`The database ${this.database}`));
      rejectReady(new ClosedError(`The database ${this.database}`));
      this.#onExit.fire(undefined);
      this.#onExit.dispose();
      return;
    }
    const error = new WorkerExitedError(this.database, code, this.#lastWorkerError);
    rejectReady(error);
    this.#die(error);
  }

  #die(error: WorkerExitedError): void {
    this.#dead = error;
    this.#state = 'dead';
    this.#rejectAll(error);
    this.lock?.release();
    this.#onExit.fire(error);
    this.#onExit.dispose();
  }

  #take(id: number): Pending | undefined {
    const p = this.#pending.get(id);
    this.#pending.delete(id);
    clearTimeout(p?.timer);
    return p;
  }

  #rejectAll(error: Error): void {
    for (const id of [...this.#pending.keys()]) this.#take(id)?.reject(error);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
