import { DbError } from '../errors';
import { redact } from '../connections/redact';
import type { Cell, RowsPage, RunSnapshot, StatementFailure, StatementSummary } from '../../protocol/resultsModel';
import { toCell } from './cellValues';
import type { QuerySession, StatementStream } from './querySession';
import type { SplitStatement } from './splitStatements';
import type { TypeCatalog } from './typeCatalog';

/** Where a run's snapshots and rows go (the results panel, a test, the bench). */
export interface RunListener {
  /** A complete snapshot of the run; each one replaces the previous. */
  onSnapshot(snapshot: RunSnapshot): void;
  /** Rows of one statement, in order. A statement's summary is always in a snapshot before its first page. */
  onRows(page: RowsPage): void;
}

export interface RunOptions {
  /** Where it runs, as shown to the user. */
  readonly target: string;
  /** Rows delivered per statement before "fetch more" (setting syncPlayground.results.rowCap). */
  readonly rowCap: number;
  /** Rows per page sent to the listener; small first pages paint sooner. */
  readonly pageSize?: number;
}

let nextId = 1;
const newId = (prefix: string) => `${prefix}${Date.now().toString(36)}-${nextId++}`;

/**
 * One press of Run Query: the statements of a script, in order, on one session, stopping at the first error
 * (like psql with ON_ERROR_STOP). Each statement's rows are read page by page up to the row cap. The last
 * statement's rows stay open for "fetch more" until the next run on the session; earlier statements that hit
 * the cap are read to the end without keeping rows, so their command tag still gives the exact count.
 */
export class QueryRun {
  readonly runId = newId('run-');
  readonly #startedAt = new Date();
  readonly #t0 = performance.now();
  #state: RunSnapshot['state'] = 'running';
  readonly #statements: StatementSummary[] = [];
  #error: StatementFailure | undefined;
  #durationMs: number | undefined;
  #cancelled = false;
  /** The last statement's open rows, for fetch more. */
  #open: { stream: StatementStream; index: number; resultId: string } | undefined;
  #fetching: Promise<unknown> = Promise.resolve();
  readonly done: Promise<RunSnapshot>;

  constructor(
    private readonly session: QuerySession,
    private readonly catalog: TypeCatalog,
    readonly statements: readonly SplitStatement[],
    private readonly options: RunOptions,
    private readonly listener: RunListener,
  ) {
    this.done = this.#run();
  }

  get snapshot(): RunSnapshot {
    return {
      runId: this.runId,
      target: this.options.target,
      startedAt: this.#startedAt.toISOString(),
      state: this.#state,
      statements: [...this.#statements],
      ...(this.#error ? { error: this.#error } : {}),
      ...(this.#durationMs !== undefined ? { durationMs: this.#durationMs } : {}),
      rowCap: this.options.rowCap,
    };
  }

  /** True while rows of some statement can still be fetched. */
  get hasOpenRows(): boolean {
    return this.#open !== undefined;
  }

  /** What cancel does on this run's database (see QuerySession.cancelBehaviour). */
  get cancelBehaviour(): QuerySession['cancelBehaviour'] {
    return this.session.cancelBehaviour;
  }

  /**
   * Stops the run: the running statement is interrupted where the database can (pg: pg_cancel_backend; an
   * embedded database on disk: its worker is restarted), and the remaining statements are skipped. The
   * database's cancel error stays in the snapshot: it says what happened to the statement.
   */
  async cancel(): Promise<void> {
    if (this.#state !== 'running') return;
    this.#cancelled = true;
    await this.session.cancel();
  }

  async #run(): Promise<RunSnapshot> {
    for (let index = 0; index < this.statements.length && !this.#cancelled; index++) {
      const ok = await this.#statement(index, index === this.statements.length - 1);
      if (!ok) break;
    }
    this.#durationMs = Math.round(performance.now() - this.#t0);
    if (this.#state === 'running') this.#state = this.#cancelled ? 'cancelled' : 'done';
    this.#emit();
    return this.snapshot;
  }

  async #statement(index: number, last: boolean): Promise<boolean> {
    const { sql } = this.statements[index]!;
    const t0 = performance.now();
    const resultId = newId('res-');
    let stream: StatementStream | undefined;
    try {
      const s = (stream = await this.session.execute(sql));
      const columns = s.fields.length ? (await this.catalog.resolve(s.fields), this.catalog.columns(s.fields)) : [];
      let loaded = 0;
      // PGlite knows its row count up front; a pg cursor knows it is done once its command tag arrived
      const more = () => (s.totalRows !== undefined ? loaded < s.totalRows : s.commandTag === undefined);
      const put = (hasMore: boolean) => {
        const commandTag = s.commandTag ?? 'SELECT';
        const durationMs = Math.round(performance.now() - t0);
        this.#statements[index] = { resultId, index, sql, commandTag, columns, rowsLoaded: loaded, hasMore, durationMs };
      };
      const pageSize = this.options.pageSize ?? 1000;
      while (columns.length && loaded < this.options.rowCap && !this.#cancelled) {
        const rows = await s.read(Math.min(pageSize, this.options.rowCap - loaded));
        if (rows.length === 0) break;
        if (loaded === 0) (put(true), this.#emit()); // the summary reaches the panel before its first page
        const start = loaded;
        loaded += rows.length;
        this.listener.onRows({ resultId, start, rows: this.#cells(rows, s), hasMore: more() });
        if (!more()) break;
      }
      const capped = columns.length > 0 && more() && !this.#cancelled;
      if (capped && last) {
        this.#open = { stream: s, index, resultId };
      } else {
        if (capped) await this.#drain(s);
        await s.close();
      }
      put(capped && last);
      this.#emit();
      return true;
    } catch (e) {
      await stream?.close().catch(() => undefined);
      this.#state = this.#cancelled && DbError.is(e) && e.code === '57014' ? 'cancelled' : 'failed';
      this.#error = failure(index, sql, e);
      return false;
    }
  }

  /** Reads the rest of a capped statement without keeping rows, so its command tag counts them all. */
  async #drain(stream: StatementStream): Promise<void> {
    if (stream.totalRows !== undefined) return;
    while (!this.#cancelled && (await stream.read(5000)).length > 0);
  }

  #cells(rows: unknown[][], stream: StatementStream): Cell[][] {
    const types = stream.fields.map((f) => this.catalog.get(f.dataTypeID));
    const elems = types.map((t) => this.catalog.elem(t));
    return rows.map((row) => row.map((v, i) => toCell(v, types[i]!, elems[i])));
  }

  /**
   * Delivers up to `count` more rows of the statement left open (the last one of the run), as one page.
   * Undefined when nothing is open any more.
   */
  fetchMore(resultId: string, count = this.options.rowCap): Promise<RowsPage | undefined> {
    const next = this.#fetching.then(async (): Promise<RowsPage | undefined> => {
      const open = this.#open;
      if (!open || open.resultId !== resultId) return undefined;
      const before = this.#statements[open.index]!;
      let rows: unknown[][];
      try {
        rows = await open.stream.read(count);
      } catch (e) {
        // the rows cannot be read on (closed for another use, a stopped statement): a later fetch finds none open
        await this.#closeOpen();
        throw e;
      }
      const total = open.stream.totalRows;
      const loaded = before.rowsLoaded + rows.length;
      const hasMore = rows.length === count && (total === undefined ? open.stream.commandTag === undefined : loaded < total);
      if (!hasMore) await this.#closeOpen();
      const page: RowsPage = { resultId, start: before.rowsLoaded, rows: this.#cells(rows, open.stream), hasMore };
      this.#statements[open.index] = {
        ...before,
        rowsLoaded: loaded,
        hasMore,
        commandTag: open.stream.commandTag ?? before.commandTag,
      };
      this.#emit();
      this.listener.onRows(page);
      return page;
    });
    this.#fetching = next.catch(() => undefined);
    return next;
  }

  /** Closes the rows left open, which frees the session for the next run. */
  async dispose(): Promise<void> {
    await this.#fetching;
    await this.#closeOpen();
    const last = this.#statements.at(-1);
    if (last?.hasMore) {
      this.#statements[this.#statements.length - 1] = { ...last, hasMore: false };
      this.#emit();
    }
  }

  async #closeOpen(): Promise<void> {
    const open = this.#open;
    this.#open = undefined;
    await open?.stream.close().catch(() => undefined);
  }

  #emit(): void {
    this.listener.onSnapshot(this.snapshot);
  }
}

/**
 * A statement's error as the results panel shows it: Postgres' message, code, detail, hint and position. Message
 * and detail are redacted: a server may quote a connection string (dblink, CREATE SUBSCRIPTION) with its password.
 */
export function failure(index: number, sql: string, e: unknown): StatementFailure {
  if (DbError.is(e)) {
    return {
      index,
      sql,
      message: redact(e.message),
      ...(e.code ? { code: e.code } : {}),
      ...(e.detail ? { detail: redact(e.detail) } : {}),
      ...(e.hint ? { hint: e.hint } : {}),
      ...(e.position !== undefined ? { position: e.position } : {}),
    };
  }
  return { index, sql, message: redact(e instanceof Error ? e.message : String(e)) };
}
