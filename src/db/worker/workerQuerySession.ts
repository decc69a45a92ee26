/**
 * The SQL playground's query session on a PGlite worker, host side (the worker side is sessionServer.ts).
 *
 * Rows stay in the database until read: a statement's first page comes with its start, and each later read pulls
 * one more page from the worker's open portal. A page crosses as the raw DataRow bytes and is decoded into Postgres'
 * text form here only when the runner reads it, so int8, numeric and timestamps stay exact, duplicate column names
 * survive, and a million-row result costs the extension host one page at a time.
 */
import { ClosedError } from '../../core/errors';
import { isReadOnlyStatement } from '../../core/query/exportResult';
import type { PgTypeRow } from '../../core/query/pgTypes';
import type { QuerySession, StatementStream } from '../../core/query/querySession';
import { decodeDataRows } from './dataRows';
import type { WorkerRequest, WorkerResults } from './protocol';
import type { SessionPage } from './sessionServer';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** The session's requests to the worker. */
export type SessionRequest = Extract<DistributiveOmit<WorkerRequest, 'id'>, { op: `session${string}` }>;
/** Sends one session request with the database to itself for its duration (the port's mutex). */
export type SessionCall = <Q extends SessionRequest>(req: Q) => Promise<WorkerResults[Q['op']]>;

/** Rows in the page that comes with a statement's start: what the results grid shows first. */
const FIRST_PAGE = 1000;

/** How the session's running statement is stopped (the port restarts its worker; see workerPort.ts). */
export interface SessionInterrupt {
  /** 'interrupts' on disk; 'between-statements' in memory, where a restart would lose the database. */
  readonly cancelBehaviour: QuerySession['cancelBehaviour'];
  /** Stops the session's statement running now, if any. */
  cancel(): Promise<unknown>;
}

export class WorkerQuerySession implements QuerySession {
  readonly kind = 'pglite' as const;
  #released = false;
  #open: StatementStream | undefined;

  constructor(
    private readonly call: SessionCall,
    private readonly interrupt: SessionInterrupt = { cancelBehaviour: 'between-statements', cancel: async () => false },
  ) {}

  get cancelBehaviour(): QuerySession['cancelBehaviour'] {
    return this.interrupt.cancelBehaviour;
  }

  async execute(sql: string): Promise<StatementStream> {
    if (this.#released) throw new ClosedError('This query session');
    await this.#open?.close();
    // statements that may write run to the end (and commit) at once; reads stay open in a portal
    const start = await this.call({ op: 'sessionExecute', sql, rows: FIRST_PAGE, eager: !isReadOnlyStatement(sql) });
    const stream = new WorkerStatementStream(this.call, start.statement, start.fields, start.page, start.totalRows, start.commandTag, () => {
      if (this.#open === stream) this.#open = undefined;
    });
    this.#open = stream;
    return stream;
  }

  async cancel(): Promise<void> {
    await this.interrupt.cancel().catch(() => undefined);
  }

  lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    return this.call({ op: 'sessionLookupTypes', oids: [...oids] });
  }

  async release(): Promise<void> {
    this.#released = true;
    await this.#open?.close().catch(() => undefined);
  }
}

class WorkerStatementStream implements StatementStream {
  #page: SessionPage | undefined;
  #rows: (string | null)[][] | undefined;
  #at = 0;
  #fetched: number;
  #tag: string | undefined;
  #closed = false;

  constructor(
    private readonly call: SessionCall,
    private readonly statement: number,
    readonly fields: StatementStream['fields'],
    first: SessionPage,
    readonly totalRows: number | undefined,
    tag: string | undefined,
    private readonly onClose: () => void,
  ) {
    this.#page = first;
    this.#fetched = first.rowCount;
    this.#tag = tag ?? first.commandTag;
  }

  /**
   * Known once the worker has sent the last row and the runner has read it: the runner takes a defined tag on a
   * portal (no totalRows) to mean "no more rows".
   */
  get commandTag(): string | undefined {
    return this.totalRows !== undefined || this.#buffered() === 0 ? this.#tag : undefined;
  }

  #buffered(): number {
    return this.#rows ? this.#rows.length - this.#at : (this.#page?.rowCount ?? 0);
  }

  /** The worker has no rows left for this statement. */
  #drained(): boolean {
    return this.totalRows !== undefined ? this.#fetched >= this.totalRows : this.#tag !== undefined;
  }

  async read(count: number): Promise<unknown[][]> {
    let out: unknown[][] = [];
    while (out.length < count && !this.#closed) {
      if (this.#page) {
        this.#rows = decodeDataRows(this.#page.data, this.#page.rowCount);
        this.#at = 0;
        this.#page = undefined;
      }
      if (this.#rows && this.#at < this.#rows.length) {
        const take = this.#rows.slice(this.#at, this.#at + count - out.length);
        this.#at += take.length;
        out = out.length ? out.concat(take) : take;
        continue;
      }
      this.#rows = undefined;
      if (this.#drained()) break;
      const page = await this.call({ op: 'sessionFetch', statement: this.statement, rows: count - out.length });
      this.#fetched += page.rowCount;
      if (page.commandTag !== undefined) this.#tag = page.commandTag;
      if (page.rowCount === 0 && this.#tag === undefined) break; // cannot happen with a live portal; never spin
      this.#page = page;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#page = undefined;
    this.#rows = undefined;
    this.onClose();
    if (!this.#drained()) await this.call({ op: 'sessionClose', statement: this.statement });
  }
}
