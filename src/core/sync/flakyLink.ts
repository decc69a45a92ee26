/**
 * A flaky network link in front of a database: a SqlPort decorator that loses statements, on purpose. It wraps a
 * REAL database (nothing is faked about what reaches it) and simulates what a bad network does to the replica's
 * connection to the hub:
 * - a request lost before it reaches the database (the statement never runs),
 * - a reply lost after the database ran it (the statement ran, the caller sees an error) — the cruel case: a
 *   transaction whose COMMIT reply is lost has committed although the caller saw it fail,
 * - added latency.
 * Faults are chosen by statement number (to interrupt a sync at every point in turn), by SQL pattern, or at random
 * with a seeded generator, so a test or a scenario replays the very same faults.
 */
import type { QueryResult, Queryable, Row, RowCursor, SqlPort } from '../sql';
import { DbError } from '../errors';

/**
 * What the link does to statements. Statement numbers count every query/exec/COMMIT through the link, from 1 (with
 * `per: 'transaction'`, a transaction counts once, at its COMMIT).
 */
export interface LinkFaults {
  /** Statement numbers that fail (see `lose`). */
  readonly failAt?: readonly number[];
  /** Statements whose SQL matches fail. */
  readonly failWhen?: RegExp;
  /** Probability (0-1) that a statement fails, drawn from a generator seeded with `seed`. */
  readonly dropRate?: number;
  readonly seed?: number;
  /** Added before each statement (ms). */
  readonly latencyMs?: number;
  /**
   * `request` (default): the statement never reaches the database. `reply`: it runs, then its reply is lost.
   * For a transaction, a lost COMMIT reply means the transaction committed but the caller sees an error.
   */
  readonly lose?: 'request' | 'reply';
  /**
   * `statement` (default): every statement is a round trip that can be lost, those inside a transaction too.
   * `transaction`: a whole transaction is one round trip (as when the replica sends a batch to a sync service
   * that runs it next to the hub): it is lost or delayed as a unit, at its COMMIT; statements inside pass.
   */
  readonly per?: 'statement' | 'transaction';
}

/** SQLSTATE connection_failure: what a driver reports when the link to the server breaks. */
export const LINK_FAILURE_CODE = '08006';

/** mulberry32: a tiny seeded PRNG, so the same seed drops the same statements. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class FlakyLink implements SqlPort {
  #faults: LinkFaults = {};
  #random: () => number = Math.random;
  #count = 0;
  #dropped = 0;

  constructor(
    readonly inner: SqlPort,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  get kind(): SqlPort['kind'] {
    return this.inner.kind;
  }

  /** Statements that went through the link since the last `set`. */
  get statements(): number {
    return this.#count;
  }

  /** Statements the link failed since the last `set`. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Replaces the faults and restarts statement numbering (and the random sequence) from here. `{}` = a good link. */
  set(faults: LinkFaults): void {
    const rate = faults.dropRate ?? 0;
    if (!(rate >= 0 && rate <= 1)) throw new RangeError(`dropRate must be between 0 and 1, not ${rate}.`);
    if (faults.latencyMs !== undefined && !(faults.latencyMs >= 0)) throw new RangeError(`latencyMs must be 0 or more, not ${faults.latencyMs}.`);
    this.#faults = faults;
    this.#random = seededRandom(faults.seed ?? 1);
    this.#count = 0;
    this.#dropped = 0;
  }

  query<R = Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    return this.#through(sql, params, () => this.inner.query<R>(sql, params));
  }

  exec(sql: string): Promise<QueryResult[]> {
    return this.#through(sql, undefined, () => this.inner.exec(sql));
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    let commitReplyLost: DbError | undefined;
    const whole = this.#faults.per === 'transaction';
    if (whole && this.#faults.latencyMs) await this.sleep(this.#faults.latencyMs);
    const out = await this.inner.transaction(async (tx) => {
      const value = await fn(
        whole
          ? tx
          : {
              query: <R = Row>(sql: string, params?: readonly unknown[]) => this.#through(sql, params, () => tx.query<R>(sql, params)),
              exec: (sql: string) => this.#through(sql, undefined, () => tx.exec(sql)),
            },
      );
      // The COMMIT is a statement too. A lost request rolls back (thrown inside); a lost reply commits, then
      // throws: the fault that leaves the hub ahead of what the replica heard.
      const fault = this.#decide('COMMIT', undefined);
      if (fault && (this.#faults.lose ?? 'request') === 'request') throw fault;
      commitReplyLost = fault;
      return value;
    });
    if (commitReplyLost) throw commitReplyLost;
    return out;
  }

  cursor(sql: string, params?: readonly unknown[]): Promise<RowCursor> {
    return this.#through(sql, params, () => {
      if (!this.inner.cursor) throw new DbError('The database behind this link has no cursor.', sql, params);
      return this.inner.cursor(sql, params);
    });
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  async #through<T>(sql: string, params: readonly unknown[] | undefined, run: () => Promise<T>): Promise<T> {
    if (this.#faults.latencyMs) await this.sleep(this.#faults.latencyMs);
    const fault = this.#decide(sql, params);
    if (!fault) return run();
    if ((this.#faults.lose ?? 'request') === 'reply') await run();
    throw fault;
  }

  /** Numbers the statement and returns the error to throw when the link drops it. */
  #decide(sql: string, params: readonly unknown[] | undefined): DbError | undefined {
    const n = ++this.#count;
    const f = this.#faults;
    // Draw for every statement, failing or not, so one seed gives one fault sequence whatever else is set.
    const draw = this.#random();
    const fail = (f.failAt?.includes(n) ?? false) || (f.failWhen?.test(sql) ?? false) || draw < (f.dropRate ?? 0);
    if (!fail) return undefined;
    this.#dropped++;
    return new DbError(`Connection to the hub lost (simulated flaky link: ${f.lose ?? 'request'} of statement ${n} dropped).`, sql, params, {
      code: LINK_FAILURE_CODE,
    });
  }
}
