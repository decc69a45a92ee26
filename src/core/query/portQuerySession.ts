import type { RowCursor, SqlPort } from '../sql';
import { isReadOnlyStatement } from './exportResult';
import type { PgTypeRow } from './pgTypes';
import { commandTagFor, type QuerySession, type StatementStream } from './querySession';

/**
 * A query session over any SqlPort, for databases without a dedicated session (src/db/query). Values come
 * parsed by the driver and rows keyed by name, so duplicate column names keep only one value; statements go
 * through the port one by one, so BEGIN … COMMIT only works when the port has a single connection.
 */
export class PortQuerySession implements QuerySession {
  readonly cancelBehaviour = 'between-statements' as const;
  get kind(): 'pglite' | 'pg' {
    return this.port.kind;
  }

  constructor(private readonly port: SqlPort) {}

  async execute(sql: string): Promise<StatementStream> {
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
        const rows = await c.read(n);
        count += rows.length;
        if (rows.length < n) tag = commandTagFor(sql, 'SELECT', count);
        return rows;
      },
      close: () => c.close(),
    };
  }

  async cancel(): Promise<void> {}

  async lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    const r = await this.port.query<PgTypeRow>(
      'SELECT oid::int AS oid, typname::text AS typname, typelem::int AS typelem, typcategory::text AS typcategory FROM pg_type WHERE oid = ANY($1::oid[])',
      [oids],
    );
    return r.rows;
  }

  async release(): Promise<void> {}
}
