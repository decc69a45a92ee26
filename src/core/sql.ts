/**
 * The SQL port: the one small interface every database hides behind (PGlite in-process, PGlite in a worker,
 * node-postgres). Core code depends on this file only, never on a driver.
 */

/** A row as the driver returns it, keyed by column name. */
export type Row = Record<string, unknown>;

/** A result column: its name and PostgreSQL type oid. */
export interface FieldInfo {
  readonly name: string;
  /** PostgreSQL type oid (pg_type.oid), e.g. 23 = int4, 25 = text, 3802 = jsonb. */
  readonly dataTypeID: number;
}

/** The result of one statement. */
export interface QueryResult<R = Row> {
  readonly rows: R[];
  readonly fields: readonly FieldInfo[];
  /** Rows inserted/updated/deleted, for DML. */
  readonly affectedRows?: number;
  /** The statement's command tag verb when the driver knows it: SELECT, INSERT, UPDATE, … */
  readonly command?: string;
}

/** What both a database and an open transaction can do. Depend on this when you need no transaction control. */
export interface Queryable {
  /** One statement with `$1…$n` parameters. Values are always parameters, never concatenated into SQL. */
  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** One or more statements without parameters (simple protocol); one result per statement. */
  exec(sql: string): Promise<QueryResult[]>;
}

/** A database. One writer at a time: implementations serialise work. */
export interface SqlPort extends Queryable {
  /** What sits behind the port, for messages and for the few places that must know (e.g. cursor paging). */
  readonly kind: 'pglite' | 'pg';
  /**
   * Runs `fn` in one transaction: COMMIT when it resolves, ROLLBACK when it throws (the error is rethrown).
   * Nothing else runs on this database while `fn` runs.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Releases the database. Further calls reject. */
  close(): Promise<void>;
  /**
   * Runs one read statement and hands its rows out in pages, as arrays (column order; duplicate column names
   * survive). On pg a server-side cursor; on PGlite the rows are held next to the database and sliced.
   * Optional: callers fall back to `query` when a port has none.
   */
  cursor?(sql: string, params?: readonly unknown[]): Promise<RowCursor>;
}

/** Pages of one statement's rows. Close it when done (it may hold a connection). */
export interface RowCursor {
  readonly fields: readonly FieldInfo[];
  /** Up to `count` more rows; fewer (possibly none) at the end. */
  read(count: number): Promise<unknown[][]>;
  close(): Promise<void>;
}
