/**
 * A SqlPort over a profile's pool that words connection failures. node-postgres already drops a broken
 * connection from the pool and opens a new one on the next use; what this adds is the message: a statement
 * that fails because the connection broke (or cannot be re-made) rejects with a ConnectError saying so, while
 * ordinary SQL errors pass through as DbError.
 */
import type { ConnectTarget } from '../../core/connections/connectError';
import type { QueryResult, Queryable, Row, RowCursor, SqlPort } from '../../core/sql';
import { DbError } from '../../core/errors';
import { PortQuerySession } from '../../core/query/portQuerySession';
import type { QuerySession } from '../../core/query/querySession';
import { PgSqlPort } from '../pgPort';
import { PgQuerySession } from '../query/pgQuerySession';
import { classifyConnectError, connectFailureKind } from './classifyConnectError';

export class ReconnectingPort implements SqlPort {
  readonly kind = 'pg' as const;
  readonly cursor?: (sql: string, params?: readonly unknown[]) => Promise<RowCursor>;

  constructor(
    private readonly inner: SqlPort,
    private readonly target: ConnectTarget,
    /** The profile is read-only: the runner's sessions refuse to turn that off (see openQuerySession). */
    private readonly readOnly = false,
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

  /**
   * The SQL runner's session on this pool: one held connection, cursor paging and server-side cancel (without
   * this the runner would fall back to plain queries over the pool, which can neither page nor cancel).
   */
  async openQuerySession(): Promise<QuerySession> {
    const session = this.inner instanceof PgSqlPort ? new PgQuerySession(this.inner.pool) : new PortQuerySession(this);
    return this.readOnly ? readOnlySession(session) : session;
  }

  async #guard<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw connectFailureKind(e) ? classifyConnectError(e, this.target) : e;
    }
  }
}

/** Statements that would switch a session (or a transaction) of a read-only connection to read-write. */
const TURNS_WRITES_ON = /\b(default_)?transaction_read_only\b|\bread\s+write\b|\bRESET\s+ALL\b/i;

/**
 * The server already refuses writes on a read-only profile (every transaction starts READ ONLY, set in the
 * startup packet); this closes the one door left open from the SQL runner: a statement that sets the session or
 * transaction back to read-write.
 */
function readOnlySession(session: QuerySession): QuerySession {
  return {
    kind: session.kind,
    cancelBehaviour: session.cancelBehaviour,
    execute: async (sql) => {
      if (TURNS_WRITES_ON.test(sql)) {
        throw new DbError('This connection is read-only: the SQL runner does not switch it to read-write. Edit the connection to allow writes.', sql, undefined, {
          code: '25006',
        });
      }
      return session.execute(sql);
    },
    cancel: () => session.cancel(),
    lookupTypes: (oids) => session.lookupTypes(oids),
    release: () => session.release(),
  };
}
