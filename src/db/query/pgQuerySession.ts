import type pg from 'pg';
import Cursor from 'pg-cursor';
import { ClosedError, DbError } from '../../core/errors';
import type { FieldInfo } from '../../core/sql';
import { commandTagFor, type QuerySession, type StatementStream } from '../../core/query/querySession';
import type { PgTypeRow } from '../../core/query/pgTypes';

/** Every value as Postgres' text form: exact int8/numeric, timestamps with microseconds. */
const TEXT_TYPES = { getTypeParser: () => (text: string) => text };

/**
 * A query session on a PostgreSQL server: ONE pooled connection held from the first statement until the
 * session is released, so a script's BEGIN … COMMIT (and a later run's COMMIT) land on the same backend.
 * Every statement runs as a pg-cursor portal, so rows are fetched page by page, never all at once.
 */
export class PgQuerySession implements QuerySession {
  readonly kind = 'pg' as const;
  readonly cancelBehaviour = 'interrupts' as const;
  #client: pg.PoolClient | undefined;
  #broken: Error | undefined;
  #released = false;

  constructor(private readonly pool: pg.Pool) {}

  async #connection(): Promise<pg.PoolClient> {
    if (this.#released) throw new ClosedError('This query session');
    if (!this.#client) {
      const client = await this.pool.connect();
      client.on('error', (e) => (this.#broken = e)); // a dropped backend: release it, open another next time
      this.#client = client;
    }
    return this.#client;
  }

  async execute(sql: string): Promise<StatementStream> {
    if (this.#broken) await this.#drop();
    const client = await this.#connection();
    const cursor = client.query(new Cursor(sql, undefined, { rowMode: 'array', types: TEXT_TYPES }));
    const result = (cursor as unknown as { _result: pg.QueryResult })._result;
    let counted = 0; // the server's tag counts only the last Execute's rows: count them all here
    const read = async (n: number): Promise<unknown[][]> => {
      try {
        const rows = (await cursor.read(n)) as unknown as unknown[][];
        counted += rows.length;
        return rows;
      } catch (e) {
        if (isConnectionError(e)) await this.#drop(e as Error);
        throw DbError.from(e, sql);
      }
    };
    // Reading zero rows would be a no-op Execute(0 = all rows); read the first row to learn fields or failure.
    const first = await read(1);
    let pending: unknown[][] | undefined = first;
    let done = false;
    return {
      get fields(): FieldInfo[] {
        return (result.fields ?? []).map((f) => ({ name: f.name, dataTypeID: f.dataTypeID }));
      },
      get commandTag() {
        if (!result.command) return undefined;
        return commandTagFor(sql, result.command, result.fields?.length ? counted : (result.rowCount ?? undefined));
      },
      totalRows: undefined,
      read: async (n: number) => {
        if (done) return [];
        let rows: unknown[][] = [];
        if (pending) {
          rows = pending;
          pending = undefined;
        }
        if (rows.length < n) rows = rows.concat(await read(n - rows.length));
        if (result.command) done = true;
        return rows;
      },
      close: async () => {
        done = true;
        pending = undefined;
        await cursor.close().catch(() => undefined);
      },
    };
  }

  async cancel(): Promise<void> {
    const pid = (this.#client as unknown as { processID?: number } | undefined)?.processID;
    if (!pid) return;
    // From another connection: the held one is busy running the statement we want to stop.
    await this.pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => undefined);
  }

  async lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    // Through the pool, not the held connection: a statement may still hold it open (a cursor mid-way).
    const r = await this.pool.query<PgTypeRow>(
      'SELECT oid::int AS oid, typname::text AS typname, typelem::int AS typelem, typcategory::text AS typcategory FROM pg_type WHERE oid = ANY($1::oid[])',
      [oids as number[]],
    );
    return r.rows;
  }

  async release(): Promise<void> {
    this.#released = true;
    await this.#drop();
  }

  async #drop(error?: Error): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#broken = undefined;
    // Never back to the pool: the connection carries this session's state (an open transaction, SET, temp
    // tables) that must not leak into other users of the pool.
    client?.release(error ?? true);
  }
}

function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return !(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) || code.startsWith('08') || code === '57P01';
}
