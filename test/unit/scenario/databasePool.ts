import type { QueryResult, Queryable, Row, SqlPort } from '../../../src/core/sql';
import { openPgliteFromTemplate } from '../../../src/db/template';

/**
 * Real PGlite databases, reused across scenario runs: opening one costs ~0.7 s and a few hundred MB, and a
 * property test runs hundreds of scenarios. `close()` on a handed-out database does not close it: it drops
 * everything a scenario creates (the engine's `_sync` schema, then the user's `public` schema) and puts it
 * back in the pool.
 */
export class DatabasePool {
  readonly #idle: SqlPort[] = [];
  readonly #all: SqlPort[] = [];
  opened = 0;

  /** A clean database: from the pool, or newly opened. */
  readonly openDatabase = async (): Promise<SqlPort> => {
    let db = this.#idle.pop();
    if (!db) {
      db = await openPgliteFromTemplate();
      this.#all.push(db);
      this.opened++;
    }
    return this.#lend(db);
  };

  #lend(db: SqlPort): SqlPort {
    let returned = false;
    const give = async () => {
      if (returned) return;
      returned = true;
      await db.exec('DROP SCHEMA IF EXISTS _sync CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public;');
      this.#idle.push(db);
    };
    return {
      kind: db.kind,
      query: <R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> => db.query<R>(sql, params),
      exec: (sql: string) => db.exec(sql),
      transaction: <T>(fn: (tx: Queryable) => Promise<T>) => db.transaction(fn),
      close: give,
    };
  }

  /** Really closes every database. */
  async dispose(): Promise<void> {
    await Promise.allSettled(this.#all.map((d) => d.close()));
    this.#all.length = 0;
    this.#idle.length = 0;
  }
}
