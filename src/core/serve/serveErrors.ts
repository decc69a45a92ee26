/** Why serving a database on localhost could not start. Worded for the user; shown as they are. */

/** Another program listens on the port already. */
export class PortInUseError extends Error {
  readonly reason = 'port-in-use' as const;
  constructor(readonly port: number) {
    super(`Port ${port} is in use; choose another or leave it empty for a free port.`);
    this.name = 'PortInUseError';
  }
  static is(e: unknown): e is PortInUseError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'port-in-use';
  }
}

/** The port is not a port, or this user may not listen on it. */
export class PortNotAllowedError extends Error {
  readonly reason = 'port-not-allowed' as const;
  constructor(
    readonly port: number,
    why: string,
  ) {
    super(`Cannot listen on port ${port}: ${why}. Choose another or leave it empty for a free port.`);
    this.name = 'PortNotAllowedError';
  }
  static is(e: unknown): e is PortNotAllowedError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'port-not-allowed';
  }
}

/**
 * The database a server serves is not there right now (the playground is being re-created) or any more (it was
 * removed). A client's turn ends with it: the connection closes with `code` (57P03 cannot connect now, 57P01).
 */
export class DatabaseUnavailableError extends Error {
  readonly reason = 'database-unavailable' as const;
  constructor(
    message: string,
    readonly code: '57P03' | '57P01',
  ) {
    super(message);
    this.name = 'DatabaseUnavailableError';
  }
  static is(e: unknown): e is DatabaseUnavailableError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'database-unavailable';
  }
}
