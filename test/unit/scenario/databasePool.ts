import type { QueryResult, Queryable, Row, SqlPort } from '../../../src/core/sql';
import { openPgliteFromTemplate } from '../../../src/db/template';

/**
 * Real PGlite databases, reused across scenario runs: opening one costs ~0.7 s and a few hundred MB, and a
 * property test runs hundreds of scenarios. `close()` on a handed-out database does not close it: it drops
 * everything a scenario creates (the engine's `_sync` schema, then the user's `public` schema) and puts it
 * back in the pool. After RECYCLE_AFTER scenarios a database is closed and a fresh one takes its place: PGlite
 * runs no autovacuum, so the catalogs of a database that created and dropped thousands of tables keep growing,
 * and so does its WASM memory (a 10,000-scenario run reached 9 GB resident and slowed down without it).
 */
const RECYCLE_AFTER = 100;

export class DatabasePool {
  readonly #idle: SqlPort[] = [];
  readonly #all: SqlPort[] = [];
  readonly #uses = new Map<SqlPort, number>();
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
      const uses = (this.#uses.get(db) ?? 0) + 1;
      this.#uses.set(db, uses);
      if (uses >= RECYCLE_AFTER) {
        this.#uses.delete(db);
        this.#all.splice(this.#all.indexOf(db), 1);
        await db.close();
        return;
      }
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
