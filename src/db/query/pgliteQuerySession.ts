import { types, type PGlite } from '@electric-sql/pglite';
import { DbError, ClosedError } from '../../core/errors';
import type { FieldInfo } from '../../core/sql';
import { commandTagFor, type QuerySession, type StatementStream } from '../../core/query/querySession';
import type { PgTypeRow } from '../../core/query/pgTypes';

const asText = (text: string) => text;

/**
 * Parsers that hand every value back as Postgres' text. PGlite parses the oids of its parser table: the
 * defaults plus every array type it found in pg_type (its instance's `parsers`).
 */
function textParsers(db: object): Record<number, (text: string) => string> {
  const table = (db as { parsers?: Record<string, unknown> }).parsers ?? types.parsers;
  const out: Record<number, (text: string) => string> = {};
  for (const k of Object.keys(table)) if (/^\d+$/.test(k)) out[Number(k)] = asText;
  return out;
}

/**
 * A query session on a PGlite database. PGlite has one connection, so the session is the database itself.
 * PGlite materialises a statement's rows before it returns (and blocks its thread while it runs), so rows are
 * sliced from memory and cancel can only stop the run between statements.
 */
export class PgliteQuerySession implements QuerySession {
  readonly kind = 'pglite' as const;
  readonly cancelBehaviour = 'between-statements' as const;
  #released = false;
  #parsers: { size: number; map: Record<number, (text: string) => string> } | undefined;

  constructor(private readonly db: Pick<PGlite, 'query'>) {}

  #textParsers(): Record<number, (text: string) => string> {
    const size = Object.keys((this.db as { parsers?: object }).parsers ?? {}).length;
    if (this.#parsers?.size !== size) this.#parsers = { size, map: textParsers(this.db) };
    return this.#parsers.map;
  }

  async execute(sql: string): Promise<StatementStream> {
    if (this.#released) throw new ClosedError('This query session');
    let r: { rows: unknown[]; fields: { name: string; dataTypeID: number }[]; command?: string; rowCount?: number; affectedRows?: number };
    try {
      r = await this.db.query(sql, [], { rowMode: 'array', parsers: this.#textParsers() });
    } catch (e) {
      throw DbError.from(e, sql);
    }
    const rows = r.rows as unknown[][];
    const count = r.fields.length > 0 ? rows.length : (r.rowCount ?? r.affectedRows);
    let next = 0;
    return {
      fields: r.fields.map((f): FieldInfo => ({ name: f.name, dataTypeID: f.dataTypeID })),
      commandTag: commandTagFor(sql, r.command, count),
      totalRows: r.fields.length > 0 ? rows.length : undefined,
      read: async (n: number) => {
        const page = rows.slice(next, next + n);
        next += page.length;
        return page;
      },
      close: async () => {
        next = rows.length;
      },
    };
  }

  async cancel(): Promise<void> {
    // PGlite runs a statement to completion on its thread; the runner stops before the next statement
  }

  async lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    const r = await this.db.query<PgTypeRow>(
      'SELECT oid::int AS oid, typname::text AS typname, typelem::int AS typelem, typcategory::text AS typcategory FROM pg_type WHERE oid = ANY($1::oid[])',
      [oids],
    );
    return r.rows;
  }

  async release(): Promise<void> {
    this.#released = true;
  }
}
