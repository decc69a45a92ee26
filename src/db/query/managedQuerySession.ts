import type { PgTypeRow } from '../../core/query/pgTypes';
import type { QuerySession, StatementStream } from '../../core/query/querySession';
import type { InterruptScope } from '../../core/sql';
import type { ManagedDatabase } from '../databaseManager';
import type { WorkerSqlPort } from '../worker/workerPort';

/**
 * A query session on a managed database (the SQL playground's own): the worker's session (text rows paged from a
 * portal), on whichever worker runs the database now. A worker stopped and started again (idle close, a crash)
 * gets a new session on the next statement; a transaction open in the old one is gone with its worker, as it
 * would be with a dropped connection.
 */
export class ManagedQuerySession implements QuerySession {
  readonly kind = 'pglite' as const;
  #current: { port: WorkerSqlPort; session: Promise<QuerySession> } | undefined;

  constructor(
    private readonly db: ManagedDatabase,
    /** Whose statements cancel and the statement timeout stop (see WorkerSqlPort.interrupt). */
    private readonly scope: InterruptScope = { statementTimeoutMs: () => 0 },
  ) {}

  /** The managed databases live on disk: a running statement is stopped by restarting the worker. */
  get cancelBehaviour(): QuerySession['cancelBehaviour'] {
    return (this.db.port ?? { canInterrupt: true }).canInterrupt ? 'interrupts' : 'between-statements';
  }

  async #session(): Promise<QuerySession> {
    await this.db.open();
    const port = this.db.port;
    if (!port) throw new Error(`The database "${this.db.name}" stopped while it was opening; run the query again.`);
    if (this.#current?.port !== port) this.#current = { port, session: port.openQuerySession(this.scope) };
    return this.#current.session;
  }

  async execute(sql: string): Promise<StatementStream> {
    return (await this.#session()).execute(sql);
  }

  async cancel(): Promise<void> {
    await (await this.#current?.session.catch(() => undefined))?.cancel();
  }

  async lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    return (await this.#session()).lookupTypes(oids);
  }

  async release(): Promise<void> {
    const s = this.#current?.session;
    this.#current = undefined;
    await (await s?.catch(() => undefined))?.release();
  }
}
