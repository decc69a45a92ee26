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
 */
import { Mutex } from 'async-mutex';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Worker } from 'node:worker_threads';
import { ClosedError } from '../../core/errors';
import { Emitter } from '../../core/emitter';
import { ensureTransactionUsable } from '../../core/transactionGuard';
import type { IDisposable } from '../../core/dispose';
import type { QueryResult, Queryable, Row, RowCursor, SqlPort } from '../../core/sql';
import type { DataDirLock } from '../dataDirLock';
import { loadPgliteAssets } from '../pgliteAssets';
import type { SerializedDbError, WorkerOpenData, WorkerReply, WorkerRequest, WorkerResults } from './protocol';
import { deserializeError } from './wireErrors';
import { resolveWorkerEntry } from './workerEntry';
import { WorkerExitedError } from './workerExitedError';
import { WorkerQuerySession, type SessionCall } from './workerQuerySession';
import type { QuerySession } from '../../core/query/querySession';

/** How long a polite close may take before the worker is terminated anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

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

type Pending = { resolve: (v: unknown) => void; reject: (e: unknown) => void };
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
    const data: WorkerOpenData = { ...options, ...assets };
    const entry = resolveWorkerEntry();
    const worker = new Worker(entry.filename, { eval: entry.eval, workerData: data, name: `pglite ${database}` });
    port = new WorkerSqlPort(worker, database, lock);
    await port.ready;
    return port;
  } catch (e) {
    if (port) await port.close().catch(() => undefined);
    else lock?.release();
    throw e;
  }
}

/** The SQL port over a database worker. Create with openPgliteWorker (src/db/worker/openPgliteWorker.ts). */
export class WorkerSqlPort implements SqlPort {
  readonly kind = 'pglite' as const;
  /** Resolves when the database is open; rejects when it could not be. */
  readonly ready: Promise<void>;
  readonly #pending = new Map<number, Pending>();
  readonly #mutex = new Mutex();
  /** Marks code running inside this port's transaction callback, to catch calls that would deadlock. */
  readonly #txScope = new AsyncLocalStorage<WorkerSqlPort>();
  readonly #onExit = new Emitter<WorkerExitedError | undefined>();
  #nextId = 1;
  #state: 'open' | 'closing' | 'closed' | 'dead' = 'open';
  #dead: WorkerExitedError | undefined;
  #lastWorkerError: unknown;
  #closing: Promise<void> | undefined;
  #settleReady!: { resolve: () => void; reject: (e: unknown) => void };

  constructor(
    /** The worker thread, for diagnostics (threadId, resource usage). Do not post to it. */
    readonly worker: Worker,
    /** Its data directory, or "an in-memory database": for messages. */
    readonly database: string,
    private readonly lock?: DataDirLock,
  ) {
    this.ready = new Promise<void>((resolve, reject) => (this.#settleReady = { resolve, reject }));
    this.ready.catch(() => undefined); // observed by startPgliteWorker; avoid an unhandled rejection elsewhere
    worker.on('message', (m: WorkerReply) => this.#onMessage(m));
    worker.on('error', (e) => (this.#lastWorkerError = e));
    worker.on('messageerror', (e) => (this.#lastWorkerError = e));
    worker.on('exit', (code) => this.#onWorkerExit(code));
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
  async openQuerySession(): Promise<QuerySession> {
    this.#checkCall('openQuerySession');
    let held: { release: () => void; timer?: NodeJS.Immediate } | undefined;
    const call: SessionCall = async (req) => {
      this.#checkCall('query session');
      if (held) clearImmediate(held.timer);
      else held = { release: await this.#mutex.acquire() };
      const mine = held;
      try {
        return await this.#call(req);
      } finally {
        mine.timer = setImmediate(() => {
          if (held !== mine) return;
          held = undefined;
          mine.release();
        });
      }
    };
    return new WorkerQuerySession(call);
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

  /** Waits for statements already accepted, closes the database cleanly, stops the worker and frees the folder. */
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
      try {
        await this.#mutex.runExclusive(() => withTimeout(this.#call({ op: 'close' }), CLOSE_TIMEOUT_MS));
      } catch {
        // a worker that cannot close cleanly is terminated below; PGlite recovers the folder on the next open
      } finally {
        await this.worker.terminate();
        this.#state = 'closed';
        this.#rejectAll(new ClosedError(`The database ${this.database}`));
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

  #call<Q extends DistributiveOmit<WorkerRequest, 'id'>>(req: Q): Promise<WorkerResults[Q['op']]> {
    if (this.#dead) return Promise.reject(this.#dead);
    if (this.#state === 'closed') return Promise.reject(new ClosedError(`The database ${this.database}`));
    const id = this.#nextId++;
    return new Promise<WorkerResults[Q['op']]>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      try {
        this.worker.postMessage({ ...req, id });
      } catch (e) {
        // e.g. a parameter that cannot be cloned (a function, a class instance with private state)
        this.#pending.delete(id);
        reject(e);
      }
    });
  }

  #onMessage(m: WorkerReply): void {
    if (m.id === 'ready') return this.#settleReady.resolve();
    if (m.id === 'openFailed') return this.#settleReady.reject(deserializeError(m.error as SerializedDbError));
    const p = this.#pending.get(m.id);
    if (!p) return; // a reply to a call already rejected (worker closing): nothing waits for it
    this.#pending.delete(m.id);
    if (m.ok) p.resolve(m.result);
    else p.reject(deserializeError(m.error));
  }

  #onWorkerExit(code: number): void {
    if (this.#state === 'closing' || this.#state === 'closed') {
      this.#rejectAll(new ClosedError(`The database ${this.database}`));
      this.#settleReady.reject(new ClosedError(`The database ${this.database}`));
      this.#onExit.fire(undefined);
      this.#onExit.dispose();
      return;
    }
    const error = new WorkerExitedError(this.database, code, this.#lastWorkerError);
    this.#dead = error;
    this.#state = 'dead';
    this.#settleReady.reject(error);
    this.#rejectAll(error);
    this.lock?.release();
    this.#onExit.fire(error);
    this.#onExit.dispose();
  }

  #rejectAll(error: Error): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
