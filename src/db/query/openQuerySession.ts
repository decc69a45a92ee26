import type { SqlPort } from '../../core/sql';
import type { QuerySession, QuerySessionOptions } from '../../core/query/querySession';
import type { InterruptScope } from '../../core/sql';
import { ManagedDatabase } from '../databaseManager';
import { PgSqlPort } from '../pgPort';
import { PgliteSqlPort } from '../pglitePort';
import { PgQuerySession } from './pgQuerySession';
import { PgliteQuerySession } from './pgliteQuerySession';
import { PortQuerySession } from '../../core/query/portQuerySession';
import { ManagedQuerySession } from './managedQuerySession';

/** A port that can open a query session itself (e.g. a PGlite in a worker thread). */
interface SessionCapable {
  openQuerySession(scope?: InterruptScope): Promise<QuerySession>;
}

/**
 * The query session for a database behind a port: a held pg connection, the PGlite database itself, or, for
 * ports this file does not know, a session over the port's own query() (driver-parsed values; duplicate
 * column names keep only the last value).
 */
export async function openQuerySession(port: SqlPort, options: QuerySessionOptions = {}): Promise<QuerySession> {
  const scope: InterruptScope = { statementTimeoutMs: options.statementTimeoutMs ?? (() => 0) };
  if (typeof (port as Partial<SessionCapable>).openQuerySession === 'function') {
    return (port as unknown as SessionCapable).openQuerySession(scope);
  }
  if (port instanceof ManagedDatabase) return new ManagedQuerySession(port, scope);
  // a server enforces statement_timeout itself (set on the connection)
  if (port instanceof PgSqlPort) return new PgQuerySession(port.pool);
  // PGlite on the calling thread: nothing can stop it (only tests and the CLI use it)
  if (port instanceof PgliteSqlPort) return new PgliteQuerySession(port.db);
  return new PortQuerySession(port, options);
}
