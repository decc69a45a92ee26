/**
 * Reading the PostgreSQL backend messages PGlite answers a query session with (src/db/worker/sessionServer.ts).
 * Only the message headers are walked: DataRow contents stay raw bytes, so a page of rows crosses to the host as
 * one buffer and is decoded there, page by page (src/db/worker/dataRows.ts). PGlite's own parser would build a
 * JS object per row in the worker and a second copy on the host.
 */
import type { FieldInfo } from '../../core/sql';

/** An ErrorResponse's fields, named like pg's and PGlite's DatabaseError so DbError.from reads them. */
export interface BackendError {
  readonly message: string;
  readonly severity?: string;
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
  readonly position?: string;
  readonly table?: string;
  readonly column?: string;
  readonly constraint?: string;
}

/** What one response holds, in the order a query session cares about. */
export interface ScannedResponse {
  /** From RowDescription; an empty array after NoData; undefined when neither came. */
  fields: FieldInfo[] | undefined;
  /** The DataRow messages, back to back (contiguous in the response, or copied together when a notice split them). */
  rows: Uint8Array;
  rowCount: number;
  /** CommandComplete's tag ("SELECT 3", "INSERT 0 5"); '' for an empty query. */
  commandTag: string | undefined;
  /** The portal stopped at the row limit and can continue. */
  suspended: boolean;
  error: BackendError | undefined;
}

const ERROR_FIELDS: Record<string, keyof BackendError> = {
  V: 'severity',
  C: 'code',
  M: 'message',
  D: 'detail',
  H: 'hint',
  P: 'position',
  t: 'table',
  c: 'column',
  n: 'constraint',
};

const utf8 = new TextDecoder();

/** Walks every message of `buf`. */
export function scanResponse(buf: Uint8Array): ScannedResponse {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const out: ScannedResponse = { fields: undefined, rows: new Uint8Array(0), rowCount: 0, commandTag: undefined, suspended: false, error: undefined };
  const runs: [number, number][] = []; // [start, end) of consecutive DataRows
  let p = 0;
  while (p + 5 <= buf.length) {
    const type = buf[p]!;
    const end = p + 1 + view.getInt32(p + 1);
    switch (type) {
      case 0x44: // D DataRow
        out.rowCount++;
        if (runs.length && runs.at(-1)![1] === p) runs.at(-1)![1] = end;
        else runs.push([p, end]);
        break;
      case 0x54: // T RowDescription
        out.fields = rowDescription(buf, view, p + 5);
        break;
      case 0x6e: // n NoData
        out.fields = [];
        break;
      case 0x43: // C CommandComplete
        out.commandTag = cstring(buf, p + 5, end)[0];
        break;
      case 0x49: // I EmptyQueryResponse
        out.commandTag = '';
        break;
      case 0x73: // s PortalSuspended
        out.suspended = true;
        break;
      case 0x45: // E ErrorResponse
        out.error = errorFields(buf, p + 5, end);
        break;
      default: // notices, parameter status, CopyData of COPY TO STDOUT, completions: not shown as rows
        break;
    }
    p = end;
  }
  out.rows = runs.length === 1 ? buf.subarray(runs[0]![0], runs[0]![1]) : concat(runs.map(([s, e]) => buf.subarray(s, e)));
  return out;
}

/** The byte offset after `count` DataRows starting at `from` (or the end of `rows`). */
export function skipRows(rows: Uint8Array, from: number, count: number): number {
  const view = new DataView(rows.buffer, rows.byteOffset, rows.byteLength);
  let p = from;
  for (let i = 0; i < count && p < rows.length; i++) p += 1 + view.getInt32(p + 1);
  return p;
}

function rowDescription(buf: Uint8Array, view: DataView, at: number): FieldInfo[] {
  const n = view.getInt16(at);
  let p = at + 2;
  const fields: FieldInfo[] = [];
  for (let i = 0; i < n; i++) {
    const [name, next] = cstring(buf, p, buf.length);
    p = next;
    fields.push({ name, dataTypeID: view.getUint32(p + 6) });
    p += 18; // table oid 4, attnum 2, type oid 4, typlen 2, typmod 4, format 2
  }
  return fields;
}

function errorFields(buf: Uint8Array, at: number, end: number): BackendError {
  const e: Record<string, string> = { message: '' };
  let p = at;
  while (p < end && buf[p] !== 0) {
    const code = String.fromCharCode(buf[p]!);
    const [value, next] = cstring(buf, p + 1, end);
    const key = ERROR_FIELDS[code];
    if (key) e[key] = value;
    else if (code === 'S' && !e.severity) e.severity = value;
    p = next;
  }
  return e as unknown as BackendError;
}

function cstring(buf: Uint8Array, at: number, end: number): [string, number] {
  let z = at;
  while (z < end && buf[z] !== 0) z++;
  return [utf8.decode(buf.subarray(at, z)), z + 1];
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let p = 0;
  for (const x of parts) (out.set(x, p), (p += x.length));
  return out;
}
