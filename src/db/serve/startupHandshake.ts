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

  constructor(private readonly expect: HandshakeExpectations) {}

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
    for (const [k, v] of this.expect.parameters) replies.push(parameterStatus(k, v));
    replies.push(parameterStatus('application_name', ''), backendKeyData(this.expect.pid, 0), readyForQuery('I'));
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
        this.#database = m.params.get('database') || this.#user;
        this.#phase = 'password';
        replies.push(authenticationMd5(this.#salt));
        return undefined;
      }
    }
  }
}

function fatal(code: string, message: string, hint?: string): Diagnostic {
  return { severity: 'FATAL', code, message, ...(hint ? { hint } : {}) };
}
