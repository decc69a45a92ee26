/**
 * Whether an embedded database holds session state that stopping its worker would lose.
 *
 * A PGlite database has one session, shared by the extension and by whoever runs SQL on it (the SQL console keeps
 * its session between runs, as psql does; a served client's session is the same one). Stopping the worker ends
 * that session: an open transaction is rolled back, temp tables, SET values and prepared statements are gone. An
 * idle close must therefore wait until none of these is left.
 */
import type { Queryable } from '../core/sql';

/** Session-level state other than an open transaction (visible in the catalogs). */
const SESSION_OBJECTS = `SELECT now()::text AS at,
  EXISTS (SELECT 1 FROM pg_catalog.pg_class WHERE relpersistence = 't')
  OR EXISTS (SELECT 1 FROM pg_catalog.pg_settings WHERE source = 'session')
  OR EXISTS (SELECT 1 FROM pg_catalog.pg_prepared_statements) AS held`;

/**
 * True when `db`'s session holds an open (or failed) transaction, a temp table, a SET value or a prepared
 * statement. Inside a transaction block now() is the block's start time, so two statements in a row see the same
 * value; outside one, each statement is its own transaction and sees its own. A failed transaction makes the
 * statements fail, which counts as holding state too.
 */
export async function holdsSessionState(db: Queryable): Promise<boolean> {
  try {
    const first = await db.query<{ at: string }>('SELECT now()::text AS at');
    const second = await db.query<{ at: string; held: boolean }>(SESSION_OBJECTS);
    const a = first.rows[0]?.at;
    const b = second.rows[0];
    return !b || a === b.at || b.held;
  } catch {
    return true;
  }
}
