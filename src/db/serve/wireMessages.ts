/**
 * The few pieces of the PostgreSQL wire protocol (v3) the localhost server speaks itself: framing of what clients
 * send, the messages we answer without the database (authentication, errors, notices), and a scan of what the
 * database answers (transaction status, command tags). Everything else passes through as bytes.
 * Reference: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */

/** Codes of the untyped first messages (a length, then this code). */
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;
/** Protocol 3.0; a 3.x client with x > 0 is answered with NegotiateProtocolVersion. */
export const PROTOCOL_3 = 196608;

/** The largest message we accept. Postgres' own limit for most messages is 1 GB; a playground needs far less. */
export const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

/** One complete typed client message: its type byte and the whole frame (type, length, body). */
export interface FrontendMessage {
  readonly type: string;
  readonly frame: Buffer;
}

/** A client's untyped first message. */
export type FirstMessage =
  | { readonly kind: 'ssl' | 'gssenc' | 'cancel' }
  | { readonly kind: 'startup'; readonly minor: number; readonly params: ReadonlyMap<string, string> }
  | { readonly kind: 'unsupported'; readonly code: number };

/** Takes the untyped first message off `buf`, or returns undefined while it is incomplete. */
export function readFirstMessage(buf: Buffer): { message: FirstMessage; rest: Buffer } | undefined {
  if (buf.length < 8) return undefined;
  const len = buf.readInt32BE(0);
  if (len < 8 || len > 10_000) throw new ProtocolViolation(`invalid startup packet length ${len}`);
  if (buf.length < len) return undefined;
  const code = buf.readInt32BE(4);
  const rest = buf.subarray(len);
  if (code === SSL_REQUEST_CODE) return { message: { kind: 'ssl' }, rest };
  if (code === GSSENC_REQUEST_CODE) return { message: { kind: 'gssenc' }, rest };
  if (code === CANCEL_REQUEST_CODE) return { message: { kind: 'cancel' }, rest };
  if (code >>> 16 !== 3) return { message: { kind: 'unsupported', code }, rest };
  const params = new Map<string, string>();
  const parts = buf.toString('utf8', 8, len).split('\0');
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i]!, parts[i + 1]!);
  return { message: { kind: 'startup', minor: code & 0xffff, params }, rest };
}

/** Splits complete typed messages off `buf`; the incomplete tail is returned as `rest`. */
export function readMessages(buf: Buffer): { messages: FrontendMessage[]; rest: Buffer } {
  const messages: FrontendMessage[] = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const len = buf.readInt32BE(at + 1);
    if (len < 4 || len > MAX_MESSAGE_BYTES) throw new ProtocolViolation(`invalid message length ${len}`);
    if (buf.length - at < 1 + len) break;
    messages.push({ type: String.fromCharCode(buf[at]!), frame: buf.subarray(at, at + 1 + len) });
    at += 1 + len;
  }
  return { messages, rest: buf.subarray(at) };
}

/** A client broke the protocol: the connection is closed with a FATAL error. */
export class ProtocolViolation extends Error {
  readonly reason = 'protocol-violation' as const;
}

/** The text of a simple Query ('Q') or of the statement in a Parse ('P'). */
export function statementText(m: FrontendMessage): string | undefined {
  const body = m.frame.subarray(5);
  if (m.type === 'Q') return cstring(body, 0).value;
  if (m.type === 'P') return cstring(body, cstring(body, 0).next).value;
  return undefined;
}

/** The password of a PasswordMessage ('p'). */
export function passwordText(m: FrontendMessage): string {
  return cstring(m.frame.subarray(5), 0).value;
}

function cstring(b: Buffer, at: number): { value: string; next: number } {
  const end = b.indexOf(0, at);
  const stop = end < 0 ? b.length : end;
  return { value: b.toString('utf8', at, stop), next: stop + 1 };
}

// ---- messages we send ----

function message(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export const authenticationOk = (): Buffer => message('R', int32(0));
export const authenticationMd5 = (salt: Buffer): Buffer => message('R', Buffer.concat([int32(5), salt]));
export const parameterStatus = (name: string, value: string): Buffer => message('S', Buffer.concat([cstr(name), cstr(value)]));
export const backendKeyData = (pid: number, secret: number): Buffer => message('K', Buffer.concat([int32(pid), int32(secret)]));
export const readyForQuery = (status: TxStatus): Buffer => message('Z', Buffer.from(status, 'latin1'));
/** A simple Query ('Q'): how the server itself runs ROLLBACK or Sync on a client's behalf. */
export const queryMessage = (sql: string): Buffer => message('Q', cstr(sql));
export const syncMessage = (): Buffer => message('S', Buffer.alloc(0));
/** CopyInResponse, text format. The column count is not known before the COPY runs; libpq and pg accept 0. */
export const copyInResponse = (): Buffer => message('G', Buffer.from([0, 0, 0]));
/** CopyFail: how the server aborts a COPY whose client left or broke the sub-protocol. */
export const copyFail = (reason: string): Buffer => message('f', cstr(reason));

/** NegotiateProtocolVersion: we speak 3.0, and none of the `_pq_.` options the client asked for. */
export function negotiateProtocolVersion(unsupportedOptions: readonly string[]): Buffer {
  return message('v', Buffer.concat([int32(PROTOCOL_3), int32(unsupportedOptions.length), ...unsupportedOptions.map(cstr)]));
}

/** What an ErrorResponse or NoticeResponse says. */
export interface Diagnostic {
  readonly severity: 'FATAL' | 'ERROR' | 'WARNING' | 'NOTICE';
  /** SQLSTATE, e.g. 28P01 invalid_password. */
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly hint?: string;
}

export function errorResponse(d: Diagnostic): Buffer {
  return message(d.severity === 'NOTICE' || d.severity === 'WARNING' ? 'N' : 'E', diagnosticBody(d));
}

function diagnosticBody(d: Diagnostic): Buffer {
  const fields: Buffer[] = [];
  const field = (k: string, v: string | undefined) => v !== undefined && fields.push(Buffer.from(k, 'latin1'), cstr(v));
  field('S', d.severity);
  field('V', d.severity);
  field('C', d.code);
  field('M', d.message);
  field('D', d.detail);
  field('H', d.hint);
  return Buffer.concat([...fields, Buffer.from([0])]);
}

// ---- what the database answered ----

/** Transaction status of ReadyForQuery: idle, in a transaction, in a failed transaction. */
export type TxStatus = 'I' | 'T' | 'E';

export interface BackendScan {
  /** Status of the last ReadyForQuery, when the bytes held one. */
  readonly status: TxStatus | undefined;
  /** Command tags of the CommandComplete messages, in order ("INSERT 0 1", "COMMIT"). */
  readonly tags: readonly string[];
  /** The bytes without the message types in `drop` (the server already sent its own CopyInResponse). */
  readonly bytes: Buffer;
}

/** Reads the backend messages in `out`. `drop` lists message types to leave out of `bytes`. */
export function scanBackend(out: Uint8Array, drop: readonly string[] = []): BackendScan {
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  let status: TxStatus | undefined;
  const tags: string[] = [];
  const kept: Buffer[] = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const type = String.fromCharCode(buf[at]!);
    const len = buf.readInt32BE(at + 1);
    const end = Math.min(buf.length, at + 1 + len);
    if (type === 'Z') status = String.fromCharCode(buf[at + 5]!) as TxStatus;
    else if (type === 'C') tags.push(cstring(buf.subarray(at + 5, end), 0).value);
    if (!drop.includes(type)) kept.push(buf.subarray(at, end));
    at = end;
  }
  if (at < buf.length) kept.push(buf.subarray(at));
  return { status, tags, bytes: drop.length ? Buffer.concat(kept) : buf };
}

/** The first column of every DataRow in `out`, as text (for the server's own simple queries). */
export function dataRows(out: Uint8Array): string[][] {
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const rows: string[][] = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const len = buf.readInt32BE(at + 1);
    if (buf[at] === 0x44 /* D */) {
      const n = buf.readInt16BE(at + 5);
      const row: string[] = [];
      let p = at + 7;
      for (let i = 0; i < n; i++) {
        const l = buf.readInt32BE(p);
        p += 4;
        row.push(l < 0 ? '' : buf.toString('utf8', p, p + l));
        if (l > 0) p += l;
      }
      rows.push(row);
    } else if (buf[at] === 0x45 /* E */) {
      throw new Error(`the database refused the server's query: ${buf.toString('utf8', at + 5, at + 1 + len).replace(/\0/g, ' ')}`);
    }
    at += 1 + len;
  }
  return rows;
}
