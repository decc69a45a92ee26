import type { SqlPort } from '../../core/sql';
import type { QuerySession } from '../../core/query/querySession';
import { ManagedDatabase } from '../databaseManager';
import { PgSqlPort } from '../pgPort';
import { PgliteSqlPort } from '../pglitePort';
import { PgQuerySession } from './pgQuerySession';
import { PgliteQuerySession } from './pgliteQuerySession';
import { PortQuerySession } from '../../core/query/portQuerySession';
import { ManagedQuerySession } from './managedQuerySession';

/** A port that can open a query session itself (e.g. a PGlite in a worker thread). */
interface SessionCapable {
  openQuerySession(): Promise<QuerySession>;
}

/**
 * The query session for a database behind a port: a held pg connection, the PGlite database itself, or, for
 * ports this file does not know, a session over the port's own query() (driver-parsed values; duplicate
 * column names keep only the last value).
 */
export async function openQuerySession(port: SqlPort): Promise<QuerySession> {
  if (typeof (port as Partial<SessionCapable>).openQuerySession === 'function') {
    return (port as unknown as SessionCapable).openQuerySession();
  }
  if (port instanceof ManagedDatabase) return new ManagedQuerySession(port);
  if (port instanceof PgSqlPort) return new PgQuerySession(port.pool);
  if (port instanceof PgliteSqlPort) return new PgliteQuerySession(port.db);
  return new PortQuerySession(port);
}
