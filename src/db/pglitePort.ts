import { PGlite } from '@electric-sql/pglite';
import type { FieldInfo, QueryResult, Queryable, Row, RowCursor, SqlPort } from '../core/sql';
import { ClosedError, DbError } from '../core/errors';
import { ensureTransactionUsable } from '../core/transactionGuard';
import { loadPgliteAssets } from './pgliteAssets';

/** Options for opening a PGlite database in this thread. */
export interface PgliteOpenOptions {
  /** A folder on disk, or undefined for an in-memory database. One owner per folder: see DataDirLock. */
  readonly dataDir?: string;
  /** Skip fsync on every commit. Faster; a crash may lose the last commits (never corrupts). */
  readonly relaxedDurability?: boolean;
}

/** Opens PGlite on the calling thread. Blocks that thread while it starts: off the extension host, use a worker. */
export async function openPglite(options: PgliteOpenOptions = {}): Promise<PgliteSqlPort> {
  const assets = await loadPgliteAssets();
  const db = await PGlite.create({
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    relaxedDurability: options.relaxedDurability ?? false,
    pgliteWasmModule: assets.pgliteWasmModule,
    initdbWasmModule: assets.initdbWasmModule,
    fsBundle: assets.fsBundle,
  });
  return new PgliteSqlPort(db);
}

type PgliteTx = Pick<PGlite, 'query' | 'exec'>;

function toResult<R>(r: { rows: unknown[]; fields: { name: string; dataTypeID: number }[]; affectedRows?: number }): QueryResult<R> {
  return {
    rows: r.rows as R[],
    fields: r.fields.map((f): FieldInfo => ({ name: f.name, dataTypeID: f.dataTypeID })),
    ...(r.affectedRows !== undefined ? { affectedRows: r.affectedRows } : {}),
  };
}

function wrap(target: PgliteTx): Queryable {
  return {
    async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      try {
        return toResult<R>(await target.query(sql, params as unknown[]));
      } catch (e) {
        throw DbError.from(e, sql, params);
      }
    },
    async exec(sql: string): Promise<QueryResult[]> {
      try {
        return (await target.exec(sql)).map((r) => toResult<Row>(r));
      } catch (e) {
        throw DbError.from(e, sql);
      }
    },
  };
}

/**
 * The SQL port over a PGlite instance. PGlite has one connection and serialises queries and transactions
 * itself (its query and transaction mutexes), which gives us one writer at a time.
 */
export class PgliteSqlPort implements SqlPort {
  readonly kind = 'pglite' as const;
  #closed = false;
  readonly #q: Queryable;

  constructor(readonly db: PGlite) {
    this.#q = wrap(db);
  }

  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.#check();
    return this.#q.query<R>(sql, params);
  }

  exec(sql: string): Promise<QueryResult[]> {
    this.#check();
    return this.#q.exec(sql);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#check();
    return this.db.transaction(async (raw) => {
      const tx = wrap(raw);
      const out = await fn(tx);
      await ensureTransactionUsable(tx);
      return out;
    });
  }

  /**
   * PGlite holds one session, so a server-side cursor would block every other caller until it is closed. The
   * rows are read at once (as arrays, so duplicate column names survive) and handed out in pages.
   */
  async cursor(sql: string, params: readonly unknown[] = []): Promise<RowCursor> {
    this.#check();
    let r: { rows: unknown[]; fields: { name: string; dataTypeID: number }[] };
    try {
      r = await this.db.query(sql, params as unknown[], { rowMode: 'array' });
    } catch (e) {
      throw DbError.from(e, sql, params);
    }
    let rows = r.rows as unknown[][];
    let next = 0;
    let open = true;
    return {
      fields: r.fields.map((f): FieldInfo => ({ name: f.name, dataTypeID: f.dataTypeID })),
      read: async (count: number) => {
        if (!open) throw new ClosedError('This cursor');
        const page = rows.slice(next, next + count);
        next += page.length;
        return page;
      },
      close: async () => {
        open = false;
        rows = [];
      },
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.db.close();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError('This PGlite database');
  }
}
