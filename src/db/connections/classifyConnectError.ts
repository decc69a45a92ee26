/**
 * Turns what node-postgres, Node's network stack or the server threw while connecting into a ConnectError of
 * the right kind. The kinds are decided from error codes (errno names, SQLSTATEs, OpenSSL codes), falling back
 * to node-postgres' own messages only where it has no code.
 */
import { ConnectError, type ConnectFailureKind, type ConnectTarget } from '../../core/connections/connectError';
import { DbError } from '../../core/errors';

const DNS = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL', 'EAI_NODATA']);
const REFUSED = new Set(['ECONNREFUSED']);
const TIMEOUT = new Set(['ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);
const LOST = new Set(['ECONNRESET', 'EPIPE', '57P01', '57P02', '08006', '08003', '08000']);
const AUTH = new Set(['28P01', '28000']);

/** The error itself and its causes (DbError wraps the driver's error), outermost first. */
function chain(e: unknown): Array<Error & { code?: unknown }> {
  const out: Array<Error & { code?: unknown }> = [];
  for (let x = e; x instanceof Error && out.length < 5; x = (x as { cause?: unknown }).cause) out.push(x);
  return out;
}

/** The kind of a connect or connection error, or undefined when it is not about connecting (e.g. a syntax error). */
export function connectFailureKind(e: unknown): ConnectFailureKind | undefined {
  for (const x of chain(e)) {
    const code = typeof x.code === 'string' ? x.code : '';
    const msg = x.message ?? '';
    if (DNS.has(code)) return 'dns';
    if (REFUSED.has(code)) return 'refused';
    if (TIMEOUT.has(code) || /timeout expired|timeout exceeded|connection timeout/i.test(msg)) return 'timeout';
    if (code === '3D000') return 'database-missing';
    if (AUTH.has(code)) return 'auth';
    // node-postgres asks for a password only when the server demands one, and fails with these messages
    if (/client password must be a string|password authentication failed|SASL|no password/i.test(msg)) return 'auth';
    if (/does not support SSL|SSL|TLS|certificate|self[- ]signed|CERT_|ERR_SSL|ERR_TLS|EPROTO/i.test(`${code} ${msg}`)) return 'ssl';
    if (LOST.has(code) || /Connection terminated|terminating connection/i.test(msg)) return 'lost';
  }
  return undefined;
}

/** The error as a ConnectError (any error that is not about connecting becomes kind `other`). */
export function classifyConnectError(e: unknown, target: ConnectTarget, timeoutMs?: number): ConnectError {
  if (ConnectError.is(e)) return e;
  const kind = connectFailureKind(e) ?? 'other';
  return new ConnectError(kind, target, detailOf(e, kind), { cause: e, ...(timeoutMs ? { timeoutMs } : {}) });
}

function detailOf(e: unknown, kind: ConnectFailureKind): string {
  const x = chain(e)[0];
  if (!x) return String(e);
  const msg = x.message || (typeof x.code === 'string' ? x.code : 'unknown error');
  if (kind === 'auth' && /client password must be a string|SASL/i.test(msg)) return 'the server asks for a password and none is saved';
  if (kind === 'lost' && DbError.is(x) && x.code === '57P01') return 'the server was shut down or the session terminated';
  return msg.replace(/\.$/, '');
}
