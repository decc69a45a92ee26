/**
 * The extended-protocol messages the localhost server reads (to know what a client ran, with which parameters) and
 * writes (its own queries on the shared session: named statement and portal, so a client's unnamed statement and
 * portal survive them). Also a reader for everything the database answers.
 * Reference: https://www.postgresql.org/docs/current/protocol-message-formats.html
 */
import type { FrontendMessage, TxStatus } from './wireMessages';

/** One backend message: its type and body (after the length). */
export interface BackendMessage {
  readonly type: string;
  readonly body: Buffer;
}

/** Splits what the database answered into messages. */
export function backendMessages(out: Uint8Array): BackendMessage[] {
  const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
  const list: BackendMessage[] = [];
  let at = 0;
  while (buf.length - at >= 5) {
    const len = buf.readInt32BE(at + 1);
    const end = Math.min(buf.length, at + 1 + len);
    list.push({ type: String.fromCharCode(buf[at]!), body: buf.subarray(at + 5, end) });
    at = end;
  }
  return list;
}

/** The fields of an ErrorResponse or NoticeResponse body, by their one-letter codes (C, M, D, H, …). */
export function diagnosticFields(body: Buffer): Map<string, string> {
  const fields = new Map<string, string>();
  let at = 0;
  while (at < body.length && body[at] !== 0) {
    const code = String.fromCharCode(body[at]!);
    const end = body.indexOf(0, at + 1);
    const stop = end < 0 ? body.length : end;
    fields.set(code, body.toString('utf8', at + 1, stop));
    at = stop + 1;
  }
  return fields;
}

function cstring(b: Buffer, at: number): { value: string; next: number } {
  const end = b.indexOf(0, at);
  const stop = end < 0 ? b.length : end;
  return { value: b.toString('utf8', at, stop), next: stop + 1 };
}

/** Parse: statement name, text and the parameter type OIDs the client declared (0 = let the server infer). */
export interface ParseMessage {
  readonly name: string;
  readonly sql: string;
  readonly oids: readonly number[];
}

export function readParse(m: FrontendMessage): ParseMessage {
  const body = m.frame.subarray(5);
  const name = cstring(body, 0);
  const sql = cstring(body, name.next);
  const n = body.readInt16BE(sql.next);
  const oids: number[] = [];
  for (let i = 0; i < n; i++) oids.push(body.readUInt32BE(sql.next + 2 + 4 * i));
  return { name: name.value, sql: sql.value, oids };
}

/** Bind: portal, statement, and each parameter's bytes (null = SQL NULL) with its format (0 text, 1 binary). */
export interface BindMessage {
  readonly portal: string;
  readonly statement: string;
  readonly params: readonly (Buffer | null)[];
  readonly formats: readonly number[];
}

export function readBind(m: FrontendMessage): BindMessage {
  const body = m.frame.subarray(5);
  const portal = cstring(body, 0);
  const statement = cstring(body, portal.next);
  let at = statement.next;
  const nFormats = body.readInt16BE(at);
  at += 2;
  const declared: number[] = [];
  for (let i = 0; i < nFormats; i++, at += 2) declared.push(body.readInt16BE(at));
  const nParams = body.readInt16BE(at);
  at += 2;
  const params: (Buffer | null)[] = [];
  for (let i = 0; i < nParams; i++) {
    const len = body.readInt32BE(at);
    at += 4;
    params.push(len < 0 ? null : body.subarray(at, at + len));
    if (len > 0) at += len;
  }
  // no format codes: all text; one: it applies to every parameter
  const formats = params.map((_, i) => (nFormats === 0 ? 0 : nFormats === 1 ? declared[0]! : (declared[i] ?? 0)));
  return { portal: portal.value, statement: statement.value, params, formats };
}

/** The portal an Execute runs. */
export function readExecutePortal(m: FrontendMessage): string {
  return cstring(m.frame.subarray(5), 0).value;
}

/** Describe or Close: 'S' (statement) or 'P' (portal) and the name. */
export function readTarget(m: FrontendMessage): { kind: 'S' | 'P'; name: string } {
  const body = m.frame.subarray(5);
  return { kind: body[0] === 0x53 ? 'S' : 'P', name: cstring(body, 1).value };
}

// ---- messages the server sends on its own behalf ----

function frame(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.write(type, 0, 'latin1');
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

const cstr = (s: string) => Buffer.from(`${s}\0`, 'utf8');
const int16 = (n: number) => {
  const b = Buffer.alloc(2);
  b.writeInt16BE(n);
  return b;
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b;
};

export function parseMessage(name: string, sql: string, oids: readonly number[] = []): Buffer {
  const types = Buffer.alloc(4 * oids.length);
  oids.forEach((o, i) => types.writeUInt32BE(o, 4 * i));
  return frame('P', Buffer.concat([cstr(name), cstr(sql), int16(oids.length), types]));
}

/** Bind with parameters as text (null = NULL) or as raw bytes in the given formats; results in text. */
export function bindMessage(portal: string, statement: string, params: readonly (string | Buffer | null)[], formats: readonly number[] = []): Buffer {
  const values = params.map((p) => {
    if (p === null) return int32(-1);
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    return Buffer.concat([int32(bytes.length), bytes]);
  });
  return frame('B', Buffer.concat([cstr(portal), cstr(statement), int16(formats.length), ...formats.map(int16), int16(params.length), ...values, int16(0)]));
}

export const executeMessage = (portal: string): Buffer => frame('E', Buffer.concat([cstr(portal), int32(0)]));
export const describeMessage = (kind: 'S' | 'P', name: string): Buffer => frame('D', Buffer.concat([Buffer.from(kind, 'latin1'), cstr(name)]));
export const closeMessage = (kind: 'S' | 'P', name: string): Buffer => frame('C', Buffer.concat([Buffer.from(kind, 'latin1'), cstr(name)]));
export const commandComplete = (tag: string): Buffer => frame('C', cstr(tag));

/** The rows of a DataRow body, as text (null = SQL NULL). */
export function dataRowValues(body: Buffer): (string | null)[] {
  const n = body.readInt16BE(0);
  const row: (string | null)[] = [];
  let p = 2;
  for (let i = 0; i < n; i++) {
    const l = body.readInt32BE(p);
    p += 4;
    row.push(l < 0 ? null : body.toString('utf8', p, p + l));
    if (l > 0) p += l;
  }
  return row;
}

/** The parameter type OIDs of a ParameterDescription body. */
export function parameterOids(body: Buffer): number[] {
  const n = body.readInt16BE(0);
  return Array.from({ length: n }, (_, i) => body.readUInt32BE(2 + 4 * i));
}

/** The status byte of a ReadyForQuery body. */
export const readyStatus = (body: Buffer): TxStatus => String.fromCharCode(body[0]!) as TxStatus;
