import { isInterruptible, type InterruptScope, type RowCursor, type SqlPort } from '../sql';
import { isReadOnlyStatement } from './exportResult';
import type { PgTypeRow } from './pgTypes';
import { commandTagFor, type QuerySession, type QuerySessionOptions, type StatementStream } from './querySession';

/**
 * A query session over any SqlPort, for databases without a dedicated session (src/db/query). Values come
 * parsed by the driver and rows keyed by name, so duplicate column names keep only one value; statements go
 * through the port one by one, so BEGIN … COMMIT only works when the port has a single connection.
 * On a port that can stop its statements (an embedded database on disk), cancel and the timeout stop this
 * session's statement and no one else's.
 */
export class PortQuerySession implements QuerySession {
  readonly #scope: InterruptScope;

  get kind(): 'pglite' | 'pg' {
    return this.port.kind;
  }

  get cancelBehaviour(): QuerySession['cancelBehaviour'] {
    return isInterruptible(this.port) && this.port.canInterrupt ? 'interrupts' : 'between-statements';
  }

  constructor(
    private readonly port: SqlPort,
    options: QuerySessionOptions = {},
  ) {
    this.#scope = { statementTimeoutMs: options.statementTimeoutMs ?? (() => 0) };
  }

  /** Runs `fn`'s statements as this session's: the ones cancel and the timeout may stop. */
  #mine<T>(fn: () => Promise<T>): Promise<T> {
    return isInterruptible(this.port) ? this.port.interruptible(this.#scope, fn) : fn();
  }

  execute(sql: string): Promise<StatementStream> {
    return this.#mine(() => this.#execute(sql));
  }

  async #execute(sql: string): Promise<StatementStream> {
    // a port with a cursor keeps the rows next to the database (a worker, a server) and hands out pages
    if (this.port.cursor && isReadOnlyStatement(sql)) return this.#fromCursor(sql, await this.port.cursor(sql));
    const r = await this.port.query(sql);
    const rows = r.rows.map((row) => r.fields.map((f) => row[f.name]));
    let next = 0;
    return {
      fields: r.fields,
      commandTag: commandTagFor(sql, r.command, r.fields.length > 0 ? rows.length : r.affectedRows),
      totalRows: r.fields.length > 0 ? rows.length : undefined,
      read: async (n) => {
        const page = rows.slice(next, next + n);
        next += page.length;
        return page;
      },
      close: async () => {
        next = rows.length;
      },
    };
  }

  async #fromCursor(sql: string, c: RowCursor): Promise<StatementStream> {
    let count = 0;
    let tag: string | undefined;
    return {
      fields: c.fields,
      get commandTag() {
        return tag;
      },
      totalRows: undefined,
      read: async (n) => {
        if (tag) return [];
        const rows = await this.#mine(() => c.read(n));
        count += rows.length;
        if (rows.length < n) tag = commandTagFor(sql, 'SELECT', count);
        return rows;
      },
      close: () => c.close(),
    };
  }

  async cancel(): Promise<void> {
    if (isInterruptible(this.port)) await this.port.interrupt(this.#scope).catch(() => undefined);
  }

  async lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    const r = await this.port.query<PgTypeRow>(
      'SELECT oid::int AS oid, typname::text AS typname, typelem::int AS typelem, typcategory::text AS typcategory FROM pg_type WHERE oid = ANY($1::oid[])',
      [oids],
    );
    return r.rows;
  }

  async release(): Promise<void> {}
}
