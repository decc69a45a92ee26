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

/**
 * Whose statements a database may stop. The SQL playground's session passes its own scope, so Cancel and the
 * statement timeout stop only that session's statements, never a sync that happens to run at the same moment.
 */
export interface InterruptScope {
  /** Stop a statement of this scope once it has run this many ms; 0 = never. Read as each statement starts. */
  statementTimeoutMs(): number;
}

/**
 * An embedded database that can stop a running statement. PGlite cannot interrupt a statement, so its worker is
 * stopped and the database reopened from its folder: crash recovery rolls back the statement's transaction and
 * keeps everything committed. An in-memory database would be lost that way, so it cannot (`canInterrupt` false).
 */
export interface InterruptibleDatabase {
  /** False when stopping a statement would lose the database (in memory): its statements run to their end. */
  readonly canInterrupt: boolean;
  /** Runs `fn`; the statements it sends to this database belong to `scope` (and get its statement timeout). */
  interruptible<T>(scope: InterruptScope, fn: () => Promise<T>): Promise<T>;
  /**
   * Stops the statement of `scope` running now: it rejects with a DbError 57014 that says what happened. True
   * when one was stopped, false when none of `scope`'s was running (or the database cannot interrupt).
   */
  interrupt(scope: InterruptScope): Promise<boolean>;
}

/** True for a port that can stop its statements (see InterruptibleDatabase). */
export function isInterruptible(port: object): port is InterruptibleDatabase {
  const p = port as Partial<InterruptibleDatabase>;
  return typeof p.interruptible === 'function' && typeof p.interrupt === 'function';
}
