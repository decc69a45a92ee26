import type { QuerySession, QuerySessionFactory } from './querySession';
import { QueryRun, type RunListener, type RunOptions } from './queryRun';
import type { SplitStatement } from './splitStatements';
import { TypeCatalog } from './typeCatalog';

/**
 * A psql-like console on one target: one session, opened on the first run and kept between runs (an open
 * transaction, SET and temp tables survive to the next run), one run at a time.
 */
export class QueryConsole {
  #session: Promise<{ session: QuerySession; catalog: TypeCatalog }> | undefined;
  #current: QueryRun | undefined;

  constructor(private readonly openSession: QuerySessionFactory) {}

  /** The run in progress or the last one (its rows may still be open for fetch more). */
  get current(): QueryRun | undefined {
    return this.#current;
  }

  /** Starts a run. The previous run's open rows are closed first; a run still in progress is refused. */
  async run(statements: readonly SplitStatement[], options: RunOptions, listener: RunListener): Promise<QueryRun> {
    const previous = this.#current;
    if (previous?.snapshot.state === 'running') {
      throw new Error(`A query is already running on ${options.target}. Cancel it first.`);
    }
    await previous?.dispose();
    this.#session ??= this.openSession().then((session) => ({ session, catalog: new TypeCatalog(session) }));
    this.#session.catch(() => (this.#session = undefined));
    const { session, catalog } = await this.#session;
    const run = new QueryRun(session, catalog, statements, options, listener);
    this.#current = run;
    return run;
  }

  /** Ends the session (on pg: closes its connection, rolling back an open transaction). */
  async close(): Promise<void> {
    const run = this.#current;
    this.#current = undefined;
    if (run?.snapshot.state === 'running') await run.cancel();
    await run?.done.catch(() => undefined);
    await run?.dispose();
    const s = this.#session;
    this.#session = undefined;
    await (await s?.catch(() => undefined))?.session.release();
  }
}
