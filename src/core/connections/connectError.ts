/**
 * Why a connection to a real server failed, in the words a person needs to fix it. The driver adapter
 * (src/db/connections/classifyConnectError.ts) decides the kind; this file words the message, so the wording is
 * the same wherever it shows (test connection, tree, SQL runner).
 */

import { redact } from './redact';

/** What went wrong, from the network up. */
export type ConnectFailureKind =
  | 'dns' // the host name does not resolve
  | 'refused' // nothing listens on host:port
  | 'timeout' // no answer in time (firewall, wrong address)
  | 'ssl' // TLS could not be set up or the certificate was not trusted
  | 'auth' // the server refused the user or password
  | 'database-missing' // connected, but the database does not exist
  | 'lost' // an open connection broke (server restart, network)
  | 'cancelled' // the user cancelled a connect
  | 'other';

/** Where we were connecting to, for the message. Never includes a password. */
export interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
  readonly sslMode?: string;
  /** The CA file the connection trusts (verify-ca, verify-full), for SSL messages. */
  readonly caFile?: string;
}

/** A failed connect (or a connection lost while in use), classified. */
export class ConnectError extends Error {
  readonly reason = 'connect' as const;

  constructor(
    readonly kind: ConnectFailureKind,
    readonly target: ConnectTarget,
    /** What the driver or the server said (drivers do not echo passwords; the message is redacted all the same). */
    readonly detail: string,
    options?: {
      cause?: unknown;
      timeoutMs?: number;
      /** What to do, when the adapter knows better than the kind's general advice (e.g. a host name mismatch). */
      advice?: string;
    },
  ) {
    super(describe(kind, target, redact(detail), options?.timeoutMs, options?.advice), options);
    this.name = 'ConnectError';
  }

  static is(e: unknown): e is ConnectError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'connect';
  }
}

function describe(kind: ConnectFailureKind, t: ConnectTarget, detail: string, timeoutMs?: number, advice?: string): string {
  const where = `${t.host}:${t.port}`;
  switch (kind) {
    case 'dns':
      return `Cannot find host "${t.host}" (DNS lookup failed). Check the host name.`;
    case 'refused':
      return `Connection refused by ${where}: no PostgreSQL server is listening there. Check the host and port, and that the server is running.`;
    case 'timeout':
      return `No answer from ${where}${timeoutMs ? ` within ${Math.round(timeoutMs / 1000)} s` : ''}. Check the address, firewalls and VPN, or raise syncPlayground.connectTimeoutSeconds.`;
    case 'ssl':
      return `SSL failed for ${where}${t.sslMode ? ` (SSL mode ${t.sslMode})` : ''}: ${detail}. ${advice ?? "Check the SSL mode and CA file of the connection, and the server's SSL setup."}`;
    case 'auth':
      return `Authentication failed for user "${t.user}" on ${where}: ${detail}. Check the user name and password, and the server's pg_hba.conf.`;
    case 'database-missing':
      return `Database "${t.database}" does not exist on ${where}. Connect to an existing database (postgres is usually there).`;
    case 'lost':
      return `The connection to ${where} was lost (${detail}). It reconnects on the next use: run the statement again.`;
    case 'cancelled':
      return `Connecting to ${where} was cancelled.`;
    case 'other':
      return `Could not connect to ${where}: ${detail}`;
  }
}
