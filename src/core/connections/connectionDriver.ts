/**
 * What the core needs from a PostgreSQL driver to work with saved connections. Implemented over `pg` in
 * src/db/connections/pgConnectionDriver.ts; the core never sees the driver.
 */
import type { IDisposable } from '../dispose';
import type { SqlPort } from '../sql';
import type { ConnectError } from './connectError';
import type { ConnectionProfile } from './profile';

/** Settings that apply to every connection (from VS Code settings in the extension). */
export interface ConnectionOptions {
  /** Give up connecting after this long. */
  readonly connectTimeoutMs: number;
  /** statement_timeout of our sessions; 0 = none. */
  readonly statementTimeoutMs: number;
}

/** A pool to one database of one server. */
export interface OpenConnection extends IDisposable {
  /** Queries go through a pool: a broken connection is dropped and the next use reconnects. */
  readonly port: SqlPort;
  /** server_version_num, e.g. 150014. */
  readonly serverVersion: number;
  /**
   * Fires when an idle pooled connection breaks (server restart, network). Nothing is lost: the next use
   * reconnects; this is for telling the user.
   */
  onDidLose(listener: (e: ConnectError) => void): IDisposable;
}

/** What a successful "Test connection" learned. */
export interface ConnectionCheck {
  /** `version()` without the build details, e.g. `PostgreSQL 15.14`. */
  readonly serverVersion: string;
  readonly serverVersionNum: number;
  /** Whether the session is encrypted. */
  readonly ssl: boolean;
  /** The session's default_transaction_read_only, as the server has it. */
  readonly readOnly: boolean;
}

export interface ConnectionDriver {
  /**
   * Opens a pool on `database` (default: the profile's) and checks it by connecting once. Rejects with a
   * ConnectError saying what failed; `signal` aborts a connect that hangs.
   */
  open(
    profile: ConnectionProfile,
    password: string | undefined,
    options: ConnectionOptions,
    database?: string,
    signal?: AbortSignal,
  ): Promise<OpenConnection>;
  /** Connects once with a single client, reports what it found, and disconnects. Rejects with a ConnectError. */
  test(profile: ConnectionProfile, password: string | undefined, options: ConnectionOptions, signal?: AbortSignal): Promise<ConnectionCheck>;
}
