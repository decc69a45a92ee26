/** Errors that say the link to the hub (or the hub server) went away, not that a statement or an op is wrong. */
import { DbError } from '../errors';

/** Node's socket errors, which a driver passes on as they are when it cannot reach the server at all. */
const NETWORK_CODES = ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH'];

/**
 * SQLSTATEs that mean the link or the server went away, not that the statement is wrong: class 08 (connection
 * exception), 57P01-57P03 (server shutting down / starting), 53300 (too many connections), and socket errors.
 */
export function isTransientCode(code: string | undefined): boolean {
  const c = code ?? '';
  return c.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(c) || NETWORK_CODES.includes(c);
}

export function isTransient(e: unknown): e is DbError {
  return DbError.is(e) && isTransientCode(e.code);
}
