import pg from 'pg';
import Cursor from 'pg-cursor';
import type { FieldInfo, QueryResult, Queryable, Row, RowCursor, SqlPort } from '../core/sql';
import { ClosedError, DbError } from '../core/errors';
import { ensureTransactionUsable } from '../core/transactionGuard';

type PgClientLike = Pick<pg.PoolClient, 'query'>;

function toResult<R>(r: pg.QueryResult): QueryResult<R> {
  return {
    rows: r.rows as R[],
    fields: (r.fields ?? []).map((f): FieldInfo => ({ name: f.name, dataTypeID: f.dataTypeID })),
    ...(r.rowCount !== null && r.command !== 'SELECT' ? { affectedRows: r.rowCount } : {}),
    ...(r.command ? { command: r.command } : {}),
  };
}

function wrap(client: PgClientLike): Queryable {
  return {
    async query<R = Row>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      try {
        return toResult<R>(await client.query(sql, params as unknown[]));
      } catch (e) {
        throw DbError.from(e, sql, params);
      }
    },
    async exec(sql: string): Promise<QueryResult[]> {
      try {
        // simple protocol when there are no parameters: several statements, one result each
        const r = (await client.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
        return (Array.isArray(r) ? r : [r]).map((x) => toResult<Row>(x));
      } catch (e) {
        throw DbError.from(e, sql);
      }
    },
  };
}

/**
 * The SQL port over a node-postgres pool. Each `query` takes any free connection; `transaction` holds one
 * connection for its whole callback, so several transactions can run at once (the server locks rows).
 */
export class PgSqlPort implements SqlPort {
  readonly kind = 'pg' as const;
  #closed = false;
  readonly #q: Queryable;

  constructor(readonly pool: pg.Pool) {
    this.#q = wrap(pool);
    // An idle pooled connection that the server drops (restart, failover, admin shutdown) is emitted here; without
    // a listener it is an uncaught exception. The pool already discards that client; the next query reconnects.
    pool.on('error', () => undefined);
  }

  static fromConfig(config: pg.PoolConfig): PgSqlPort {
    return new PgSqlPort(new pg.Pool(config));
  }

  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    this.#check();
    return this.#q.query<R>(sql, params);
  }

  exec(sql: string): Promise<QueryResult[]> {
    this.#check();
    return this.#q.exec(sql);
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.#check();
    // connect, BEGIN and COMMIT fail as DbErrors too (server down, connection lost at commit), so callers can
    // tell a database failure from a bug
    const client = await this.pool.connect().catch((e: unknown) => {
      throw DbError.from(e, 'BEGIN');
    });
    let broken: unknown;
    try {
      const tx = wrap(client);
      await tx.query('BEGIN');
      const out = await fn(tx);
      await ensureTransactionUsable(tx);
      await tx.query('COMMIT');
      return out;
    } catch (e) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError; // the connection is unusable: destroy it rather than return it to the pool
      }
      throw e;
    } finally {
      client.release(broken instanceof Error ? broken : undefined);
    }
  }

  /** A server-side cursor (pg-cursor) on a connection of its own, held until `close()`. Rows as arrays. */
  async cursor(sql: string, params: readonly unknown[] = []): Promise<RowCursor> {
    this.#check();
    const client = await this.pool.connect();
    const cursor = client.query(new Cursor(sql, params as unknown[], { rowMode: 'array' }));
    const result = (cursor as unknown as { _result: pg.QueryResult })._result;
    let released = false;
    const release = async (error?: Error) => {
      if (released) return;
      released = true;
      await cursor.close().catch(() => undefined);
      client.release(error);
    };
    const read = async (n: number): Promise<unknown[][]> => {
      try {
        return (await cursor.read(n)) as unknown as unknown[][];
      } catch (e) {
        await release();
        throw DbError.from(e, sql, params);
      }
    };
    const first = await read(1); // learns the fields (or the error) before the caller reads
    let pending: unknown[][] | undefined = first;
    return {
      get fields(): FieldInfo[] {
        return (result.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
      },
      read: async (n: number) => {
        const head = pending ?? [];
        pending = undefined;
        return head.length >= n ? head : head.concat(released ? [] : await read(n - head.length));
      },
      close: () => release(),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.pool.end();
  }

  #check(): void {
    if (this.#closed) throw new ClosedError('This PostgreSQL connection pool');
  }
}
