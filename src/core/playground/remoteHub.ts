/**
 * The playground's hub on a real PostgreSQL server: installed in a database of its own on that server.
 *
 * Why a database and not a schema next to the user's tables: the engine tracks every user table of the hub's
 * database (all schemas but the system ones and `_sync`), its rules name tables in `public` by default, and a
 * `custom` rule's function is looked up in `public`. In a database of its own all of that holds exactly as on
 * PGlite, replicas need no search_path, and nothing the user already has on the server can be tracked, altered
 * or dropped by the playground. Removal is one `DROP DATABASE`.
 *
 * A database is "ours" when its comment starts with HUB_DATABASE_MARK (set when we create it). We never reuse,
 * clear or drop a database that is not ours.
 */
import { InvalidInputError } from '../errors';
import type { Queryable, SqlPort } from '../sql';
import { quoteIdent, quoteLiteral } from '../sync/ident';
import { HUB, type PlaygroundDatabases } from './playgroundSession';

/** The hub database's default name. */
export const DEFAULT_HUB_DATABASE = 'sync_playground';
/** How the hub database's comment starts: the mark that makes it ours. */
export const HUB_DATABASE_MARK = 'Sync Playground hub';
const MARK_TEXT = `${HUB_DATABASE_MARK}: created by the Sync Playground VS Code extension. Remove it with "Sync Playground: Remove Playground from Server".`;

/** What the server says about a would-be hub database. */
export interface HubDatabaseState {
  readonly exists: boolean;
  /** It carries our mark. */
  readonly ours: boolean;
  /** The connected role may CREATE DATABASE. */
  readonly mayCreate: boolean;
}

const NAME = /^[^\u0000]{1,63}$/;

function checkName(database: string): void {
  if (!NAME.test(database) || Buffer.byteLength(database) > 63) {
    throw new InvalidInputError(`"${database}" cannot be a database name: use 1-63 bytes.`, 'database');
  }
}

/** Looks the database up from any database of the same server (`admin`). */
export async function hubDatabaseState(admin: Queryable, database: string): Promise<HubDatabaseState> {
  const r = await admin.query<{ exists: boolean; ours: boolean; may_create: boolean }>(
    `SELECT d.oid IS NOT NULL AS exists,
            coalesce(starts_with(shobj_description(d.oid, 'pg_database'), $2), false) AS ours,
            coalesce((SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user), false) AS may_create
       FROM (SELECT 1) one LEFT JOIN pg_database d ON d.datname = $1`,
    [database, HUB_DATABASE_MARK],
  );
  const row = r.rows[0]!;
  return { exists: row.exists, ours: row.ours, mayCreate: row.may_create };
}

/**
 * Makes sure `database` exists on the server of `admin` as our hub database: creates and marks it, or finds it
 * marked already. Refuses a database that exists and is not ours, and says what an administrator can do when
 * the role may not create databases. `server` names the server in messages (`user@host:port`).
 */
export async function installHubDatabase(admin: Queryable, database: string, server: string): Promise<'created' | 'reused'> {
  checkName(database);
  const current = (await admin.query<{ db: string; who: string }>('SELECT current_database() AS db, current_user AS who')).rows[0]!;
  if (current.db === database) {
    throw new InvalidInputError(
      `The connection itself uses database "${database}". Pick another name for the hub database (the connection's database stays as it is).`,
      'database',
    );
  }
  const state = await hubDatabaseState(admin, database);
  if (state.exists && state.ours) return 'reused';
  if (state.exists) {
    throw new InvalidInputError(
      `Database "${database}" already exists on ${server} and was not created by Sync Playground, so it will not be used as the hub ` +
        '(the playground would install its _sync schema and tables there). Choose another name for the hub database.',
      'database',
    );
  }
  if (!state.mayCreate) {
    throw new InvalidInputError(
      `Role "${current.who}" may not create databases on ${server}. Ask an administrator to run:\n` +
        `CREATE DATABASE ${quoteIdent(database)} OWNER ${quoteIdent(current.who)};\n` +
        `COMMENT ON DATABASE ${quoteIdent(database)} IS ${quoteLiteral(MARK_TEXT)};\n` +
        'then use the connection as hub again.',
      'database',
    );
  }
  await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
  await admin.query(`COMMENT ON DATABASE ${quoteIdent(database)} IS ${quoteLiteral(MARK_TEXT)}`);
  return 'created';
}

/**
 * Empties our hub database (a new playground starts from nothing): drops every schema in it, then re-creates
 * `public`. Refuses when connected to a database that is not ours.
 */
export async function clearHubDatabase(hub: SqlPort): Promise<void> {
  const mine = await hub.query<{ ours: boolean; db: string }>(
    `SELECT current_database() AS db, coalesce(starts_with(shobj_description(d.oid, 'pg_database'), $1), false) AS ours
       FROM pg_database d WHERE d.datname = current_database()`,
    [HUB_DATABASE_MARK],
  );
  const row = mine.rows[0]!;
  if (!row.ours) throw new InvalidInputError(`Database "${row.db}" was not created by Sync Playground; it will not be cleared.`, 'database');
  await hub.transaction(async (tx) => {
    const schemas = await tx.query<{ n: string }>(
      `SELECT nspname::text AS n FROM pg_namespace WHERE nspname <> 'information_schema' AND nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
    );
    for (const { n } of schemas.rows) await tx.exec(`DROP SCHEMA ${quoteIdent(n)} CASCADE`);
    await tx.exec('CREATE SCHEMA public');
  });
}

/**
 * Drops our hub database (from another database of the server). Nothing else is touched. Refuses a database that
 * is not ours; says who is still connected when the server will not drop it. Returns false when it was gone.
 */
export async function removeHubDatabase(admin: Queryable, database: string, server: string): Promise<boolean> {
  checkName(database);
  const state = await hubDatabaseState(admin, database);
  if (!state.exists) return false;
  if (!state.ours) {
    throw new InvalidInputError(`Database "${database}" on ${server} was not created by Sync Playground; it will not be dropped.`, 'database');
  }
  try {
    await admin.query(`DROP DATABASE ${quoteIdent(database)}`);
  } catch (e) {
    if ((e as { code?: string }).code !== '55006') throw e;
    const who = await admin.query<{ who: string }>(
      `SELECT coalesce(nullif(application_name, ''), 'a client') || ' (' || usename || ')' AS who FROM pg_stat_activity WHERE datname = $1`,
      [database],
    );
    throw new InvalidInputError(
      `Database "${database}" on ${server} is still in use by ${who.rows.map((r) => r.who).join(', ') || 'other sessions'}. ` +
        'Close those sessions (or the other VS Code windows using this playground) and try again.',
      'database',
    );
  }
  return true;
}

/** Opens the hub on a server. `fresh`: an empty hub (a new playground); else the one already there. */
export interface RemoteHubSource {
  open(fresh: boolean): Promise<SqlPort>;
}

/** The playground's databases with the hub taken from a server and the replicas from `base` (PGlite). */
export function withRemoteHub(base: PlaygroundDatabases, hub: RemoteHubSource): PlaygroundDatabases {
  return { open: (name, fresh) => (name === HUB ? hub.open(fresh) : base.open(name, fresh)) };
}
