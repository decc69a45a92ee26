/**
 * A SqlPort over a profile's pool that words connection failures. node-postgres already drops a broken
 * connection from the pool and opens a new one on the next use; what this adds is the message: a statement
 * that fails because the connection broke (or cannot be re-made) rejects with a ConnectError saying so, while
 * ordinary SQL errors pass through as DbError.
 */
import type { ConnectTarget } from '../../core/connections/connectError';
import type { QueryResult, Queryable, Row, RowCursor, SqlPort } from '../../core/sql';
import { classifyConnectError, connectFailureKind } from './classifyConnectError';

export class ReconnectingPort implements SqlPort {
  readonly kind = 'pg' as const;
  readonly cursor?: (sql: string, params?: readonly unknown[]) => Promise<RowCursor>;

  constructor(
    private readonly inner: SqlPort,
    private readonly target: ConnectTarget,
  ) {
    const innerCursor = inner.cursor?.bind(inner);
    if (innerCursor) this.cursor = (sql, params) => this.#guard(() => innerCursor(sql, params));
  }

  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#guard(() => this.inner.query<R>(sql, params));
  }

  exec(sql: string): Promise<QueryResult[]> {
    return this.#guard(() => this.inner.exec(sql));
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.#guard(() => this.inner.transaction(fn));
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw connectFailureKind(e) ? classifyConnectError(e, this.target) : e;
    }
  }
}
