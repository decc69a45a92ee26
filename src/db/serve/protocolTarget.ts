/**
 * What the localhost server needs from a database: run raw wire-protocol messages on its one session, with the
 * database to itself for as long as a client's transaction lasts (nothing else from the extension interleaves).
 */
import type { PGlite } from '@electric-sql/pglite';
import type { SqlPort } from '../../core/sql';

/** Sends complete frontend messages to the database and resolves with its raw response bytes. */
export type ProtocolExec = (messages: Uint8Array) => Promise<Uint8Array>;

export interface ProtocolTarget {
  /**
   * Runs `fn` with exclusive use of the database: the extension's own statements wait until `fn` settles.
   * `exec` must not be used after `fn` settled.
   */
  exclusive<T>(fn: (exec: ProtocolExec) => Promise<T>): Promise<T>;
  /**
   * True once the owner started closing the database. Its close waits for the client that holds it, so a client
   * idle in a transaction is let go (rolled back) instead of holding the close up.
   */
  isClosing?(): boolean;
  /**
   * Runs before each client turn, outside the exclusive section. A replica sets its HLC physical time here (as
   * Replica.exec does before editor SQL), so writes over the socket are stamped like the SQL editor's.
   */
  beforeTurn?(): Promise<void>;
}

/** A port that can lend its database for raw messages: WorkerSqlPort, ManagedDatabase. */
export interface ProtocolSessionPort {
  protocolSession<T>(fn: (exec: ProtocolExec) => Promise<T>): Promise<T>;
  /** False once closing (WorkerSqlPort), or while the worker is not running (ManagedDatabase). */
  readonly isOpen?: boolean;
}

/** The product's way: PGlite stays in its worker thread; the host only forwards bytes. */
export function workerProtocolTarget(port: ProtocolSessionPort): ProtocolTarget {
  // read while a client holds the database, when the worker necessarily runs: not open = closing
  return { exclusive: (fn) => port.protocolSession(fn), isClosing: () => port.isOpen === false };
}

/**
 * How to serve `db`, or undefined when it cannot be served (a real PostgreSQL server: connect to it directly).
 * Duck-typed so that the extension bundle does not load PGlite to find out.
 */
export function protocolTargetFor(db: SqlPort): ProtocolTarget | undefined {
  const lender = db as SqlPort & Partial<ProtocolSessionPort>;
  if (typeof lender.protocolSession === 'function') return workerProtocolTarget(lender as ProtocolSessionPort);
  const inThread = (db as SqlPort & { db?: Partial<PGlite> }).db;
  if (db.kind === 'pglite' && typeof inThread?.execProtocolRaw === 'function') return inThreadProtocolTarget(inThread as PGlite);
  return undefined;
}

/**
 * A PGlite on this thread (tests, the CLI). Takes PGlite's transaction lock, then its query lock, the same order
 * PGlite's own transaction() uses, so a PGlite transaction in progress finishes before a client runs.
 */
export function inThreadProtocolTarget(db: PGlite): ProtocolTarget {
  return {
    exclusive: (fn) => db._runExclusiveTransaction(() => db._runExclusiveQuery(() => fn((m) => db.execProtocolRaw(m)))),
  };
}
