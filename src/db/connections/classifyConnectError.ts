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
/** OpenSSL's verdicts (Node's error codes) for a certificate chain that does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);
const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
/** The server's pg_hba error when only SSL lines match this client ("…, no encryption"). */
const HBA_WANTS_SSL = /no pg_hba\.conf entry.*no encryption/i;

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
    // pg_hba.conf has only hostssl lines for this client: an SSL mode problem, not a password one
    if (code === '28000' && HBA_WANTS_SSL.test(msg)) return 'ssl';
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
  const ssl = kind === 'ssl' ? sslFailure(e, target) : undefined;
  return new ConnectError(kind, target, ssl?.detail ?? detailOf(e, kind), {
    cause: e,
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(ssl ? { advice: ssl.advice } : {}),
  });
}

/**
 * The SSL failures a person can act on, in their words: an untrusted certificate, a certificate for another host
 * name, an expired one, a server that takes only SSL. Undefined for the rest (the driver's message is kept).
 */
function sslFailure(e: unknown, target: ConnectTarget): { detail: string; advice: string } | undefined {
  for (const x of chain(e)) {
    const code = typeof x.code === 'string' ? x.code : '';
    const msg = (x.message ?? '').replace(/\.$/, '');
    if (UNTRUSTED.has(code)) {
      return {
        detail: `the server's certificate is not trusted: it was not signed by the CA in ${target.caFile ?? 'the CA file'} (${msg})`,
        advice: "Use the CA file of the CA that signed the server's certificate, or SSL mode require to encrypt without checking it.",
      };
    }
    if (EXPIRED.has(code)) {
      return { detail: `the server's certificate is not valid now (${msg})`, advice: 'The server needs a current certificate; check its dates and the clock of this machine.' };
    }
    if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
      return {
        detail: `the server's certificate is not for "${target.host}": it names ${certificateNames(x) || 'no host'}`,
        advice: 'verify-full checks that the certificate names the host you connect to: connect with a name the certificate lists, or use verify-ca to check only who signed it.',
      };
    }
    if (code === '28000' && HBA_WANTS_SSL.test(msg)) {
      return { detail: `the server accepts this connection only over SSL (${msg})`, advice: 'Set the SSL mode to require, verify-ca or verify-full.' };
    }
  }
  return undefined;
}

/** The host names a certificate is for (subjectAltName, else its CN), as Node's TLS error carries it. */
function certificateNames(x: unknown): string {
  const cert = (x as { cert?: { subjectaltname?: string; subject?: { CN?: string } } }).cert;
  const alt = (cert?.subjectaltname ?? '')
    .split(/,\s*/)
    .map((n) => n.replace(/^(DNS|IP Address):/, ''))
    .filter(Boolean);
  return (alt.length ? alt : cert?.subject?.CN ? [cert.subject.CN] : []).join(', ');
}

function detailOf(e: unknown, kind: ConnectFailureKind): string {
  const x = chain(e)[0];
  if (!x) return String(e);
  const msg = x.message || (typeof x.code === 'string' ? x.code : 'unknown error');
  if (kind === 'auth' && /client password must be a string|SASL/i.test(msg)) return 'the server asks for a password and none is saved';
  if (kind === 'lost' && DbError.is(x) && x.code === '57P01') return 'the server was shut down or the session terminated';
  return msg.replace(/\.$/, '');
}
