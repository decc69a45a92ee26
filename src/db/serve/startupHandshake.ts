/**
 * The start of a connection, answered by the server itself (PGlite accepts anyone and has one session, so its own
 * startup handling is not used): SSL/GSSENC requests, the startup packet, MD5 password authentication, then the
 * greeting (AuthenticationOk, ParameterStatus, BackendKeyData, ReadyForQuery).
 */
import { checkMd5Response, newSalt } from './passwordAuth';
import {
  authenticationMd5,
  authenticationOk,
  backendKeyData,
  negotiateProtocolVersion,
  parameterStatus,
  passwordText,
  readFirstMessage,
  readMessages,
  readyForQuery,
  type Diagnostic,
  type FirstMessage,
} from './wireMessages';

/** Who may connect, and what to tell them once they did. */
export interface HandshakeExpectations {
  readonly user: string;
  readonly database: string;
  /** Never logged; compared through the MD5 challenge only. */
  readonly password: string;
  readonly parameters: ReadonlyMap<string, string>;
  /** The BackendKeyData process id of this connection. */
  readonly pid: number;
}

/** What one `feed` decided: bytes to send, and whether the connection is ready, to be closed, or refused. */
export interface HandshakeStep {
  /** The bytes the handshake did not consume (the client's first regular messages, if it pipelined). */
  readonly rest: Buffer;
  readonly replies: readonly Buffer[];
  /** undefined: wait for more bytes. */
  readonly outcome?: 'ready' | 'close' | Diagnostic;
}

export class StartupHandshake {
  #phase: 'first' | 'password' = 'first';
  #salt = newSalt();
  #user = '';
  #database = '';
  #settings = new Map<string, string>();

  constructor(private readonly expect: HandshakeExpectations) {}

  /**
   * The settings the client asked for in its startup packet (application_name, `options` -c name=value, and any
   * other setting it named, as JDBC does with TimeZone): they become its session's settings.
   */
  get settings(): ReadonlyMap<string, string> {
    return this.#settings;
  }

  /** Consumes what it can of `inbox`. Throws ProtocolViolation on bytes that are not the protocol. */
  feed(inbox: Buffer): HandshakeStep {
    const replies: Buffer[] = [];
    let rest = inbox;
    while (this.#phase === 'first') {
      const first = readFirstMessage(rest);
      if (!first) return { rest, replies };
      rest = first.rest;
      const outcome = this.#onFirstMessage(first.message, replies);
      if (outcome) return { rest, replies, outcome };
    }
    const { messages } = readMessages(rest);
    const m = messages[0];
    if (!m) return { rest, replies };
    rest = rest.subarray(m.frame.length);
    if (m.type !== 'p') return { rest, replies, outcome: fatal('08P01', `expected a password message, got "${m.type}"`) };
    const ok = this.#user === this.expect.user && checkMd5Response(passwordText(m), this.expect.password, this.#user, this.#salt);
    // the same words as PostgreSQL, whichever of user or password was wrong
    if (!ok) return { rest, replies, outcome: fatal('28P01', `password authentication failed for user "${this.#user}"`) };
    if (this.#database !== this.expect.database) {
      const hint = `This server serves one database: connect to "${this.expect.database}".`;
      return { rest, replies, outcome: fatal('3D000', `database "${this.#database}" does not exist`, hint) };
    }
    replies.push(authenticationOk());
    // the client's own startup values of reported settings (TimeZone, DateStyle, …) are its session's
    const own = (k: string) => [...this.#settings].find(([n]) => n.toLowerCase() === k.toLowerCase())?.[1];
    for (const [k, v] of this.expect.parameters) replies.push(parameterStatus(k, own(k) ?? v));
    replies.push(parameterStatus('application_name', own('application_name') ?? ''), backendKeyData(this.expect.pid, 0), readyForQuery('I'));
    return { rest, replies, outcome: 'ready' };
  }

  #onFirstMessage(m: FirstMessage, replies: Buffer[]): HandshakeStep['outcome'] {
    switch (m.kind) {
      case 'ssl':
      case 'gssenc':
        // plain TCP on loopback only; clients with sslmode=prefer go on without TLS
        replies.push(Buffer.from('N'));
        return undefined;
      case 'cancel':
        // PGlite cannot interrupt a running statement: nothing to signal
        return 'close';
      case 'unsupported':
        return fatal('0A000', `unsupported frontend protocol ${m.code >>> 16}.${m.code & 0xffff}: this server speaks 3.0`);
      case 'startup': {
        const unsupported = [...m.params.keys()].filter((k) => k.startsWith('_pq_.'));
        if (m.minor > 0 || unsupported.length) replies.push(negotiateProtocolVersion(unsupported));
        this.#user = m.params.get('user') ?? '';
        this.#settings = startupSettings(m.params);
        this.#database = m.params.get('database') || this.#user;
        this.#phase = 'password';
        replies.push(authenticationMd5(this.#salt));
        return undefined;
      }
    }
  }
}

/** Startup packet keys that are not settings; client_encoding stays the database's (UTF8) on this server. */
const NOT_SETTINGS = new Set(['user', 'database', 'replication', 'options', 'client_encoding']);

/** The settings a startup packet asks for: its keys, and `options` (-c name=value, --name=value; \\ escapes). */
export function startupSettings(params: ReadonlyMap<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of params) if (!NOT_SETTINGS.has(k) && !k.startsWith('_pq_.')) out.set(k, v);
  const words = (params.get('options') ?? '').match(/(?:\\.|[^\s\\])+/g) ?? [];
  const args = words.map((w) => w.replace(/\\(.)/g, '$1'));
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const pair = a === '-c' ? args[++i] : a.startsWith('-c') ? a.slice(2) : a.startsWith('--') ? a.slice(2) : undefined;
    const eq = pair?.indexOf('=') ?? -1;
    if (pair && eq > 0) out.set(pair.slice(0, eq).replace(/-/g, '_'), pair.slice(eq + 1));
  }
  return out;
}

function fatal(code: string, message: string, hint?: string): Diagnostic {
  return { severity: 'FATAL', code, message, ...(hint ? { hint } : {}) };
}
