import type { FieldInfo } from '../sql';
import type { PgTypeRow } from './pgTypes';

/**
 * One database session for the SQL playground: every statement of a run (and of later runs on the same
 * target) goes through it, so BEGIN … COMMIT, SET and temporary tables behave as in psql. On pg it holds one
 * pooled connection; on PGlite the database has a single connection anyway.
 * Implementations live in src/db/query (they know the drivers); the runner only sees this interface.
 */
export interface QuerySession {
  readonly kind: 'pglite' | 'pg';
  /**
   * Starts one statement (no parameters). Rows come out as arrays of Postgres' text form (or driver values
   * for sessions that cannot get text), in column order, so duplicate column names survive.
   * Rejects with a DbError when the statement fails before its first row.
   */
  execute(sql: string): Promise<StatementStream>;
  /**
   * What `cancel` can do on this database, for the user: stop the running statement (pg: pg_cancel_backend; an
   * embedded database on disk: its worker is restarted), or only skip the statements after it (in memory).
   */
  readonly cancelBehaviour: 'interrupts' | 'between-statements';
  /** Asks the database to stop the statement running now, if it can. Never throws. */
  cancel(): Promise<void>;
  /** Looks up types that are not built in (enums, domains, extension types). May return fewer rows. */
  lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]>;
  /** Gives the connection back. Further use rejects. */
  release(): Promise<void>;
}

/** The rows of one running statement. Only one can be open per session: close it before the next. */
export interface StatementStream {
  readonly fields: readonly FieldInfo[];
  /** Up to `count` more rows; an empty array at the end. */
  read(count: number): Promise<unknown[][]>;
  /** Command tag ("INSERT 0 5", "SELECT 3", "CREATE TABLE") once the statement completed, else undefined. */
  readonly commandTag: string | undefined;
  /** Total rows when known before they are read (PGlite materialises them); undefined on a cursor. */
  readonly totalRows: number | undefined;
  /** Stops reading; the statement's effects stay (a DML … RETURNING has already run). */
  close(): Promise<void>;
}

/** Opens a session on a database. */
export type QuerySessionFactory = () => Promise<QuerySession>;

/** How a session is opened. */
export interface QuerySessionOptions {
  /**
   * The statement timeout on embedded databases, in ms (0 = none), read as each statement starts. A statement
   * running longer is stopped as Cancel stops it. Servers enforce their own (statement_timeout on the connection).
   */
  readonly statementTimeoutMs?: () => number;
}

/**
 * The command tag psql would print, for drivers that only report the verb and the row count (PGlite).
 * Multi-word tags (CREATE TABLE, ALTER INDEX …) are taken from the statement's leading keywords.
 */
export function commandTagFor(sql: string, verb: string | undefined, rowCount: number | undefined): string {
  const words = sql
    .replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '')
    .split(/[^A-Za-z_]+/, 4)
    .map((w) => w.toUpperCase());
  const v = (verb ?? words[0] ?? '').toUpperCase();
  if (v === 'INSERT') return `INSERT 0 ${rowCount ?? 0}`;
  if (['SELECT', 'UPDATE', 'DELETE', 'MERGE', 'COPY', 'FETCH', 'MOVE'].includes(v)) return `${v} ${rowCount ?? 0}`;
  if (['CREATE', 'ALTER', 'DROP', 'COMMENT'].includes(v) && words[0] === v) {
    const rest = words.slice(1).filter((w) => !['OR', 'REPLACE', 'UNIQUE', 'TEMP', 'TEMPORARY', 'UNLOGGED', 'IF', 'NOT', 'EXISTS'].includes(w));
    if (words[1] === 'MATERIALIZED' || words[1] === 'FOREIGN') return `${v} ${words[1]} ${words[2] ?? ''}`.trim();
    return rest[0] ? `${v} ${rest[0]}` : v;
  }
  if (v === 'START' || (v === 'BEGIN' && words[0] === 'START')) return 'START TRANSACTION';
  if (v === 'END') return 'COMMIT';
  return v;
}
