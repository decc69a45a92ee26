/**
 * The wire between the extension host and a database worker (worker_threads). One request carries an id and gets
 * exactly one reply, a result or an error. Everything here crosses by structured clone, so it must be plain data:
 * errors travel as `SerializedDbError` and are rebuilt as DbError on the host.
 */
import type { PgTypeRow } from '../../core/query/pgTypes';
import type { FieldInfo, QueryResult } from '../../core/sql';
import type { SessionPage, SessionStart } from './sessionServer';

/** What the worker needs to open its database. Sent once, as `workerData`. */
export interface WorkerOpenData {
  /** A folder on disk (the host holds its lock), or undefined for an in-memory database. */
  readonly dataDir?: string;
  /** In-memory only: start from the template tarball (built in the worker when missing, never initdb per open). */
  readonly fromTemplate?: boolean;
  readonly relaxedDurability?: boolean;
  /** Initial WASM heap in bytes (PGlite's default is 128 MiB; it grows on demand up to 2 GiB). */
  readonly initialMemory?: number;
  /** PostgreSQL settings passed at start (`-c name=value`), e.g. a smaller shared_buffers to save memory. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Compiled once on the host and shared: a WebAssembly.Module clones into a worker without recompiling. */
  readonly pgliteWasmModule: WebAssembly.Module;
  readonly initdbWasmModule: WebAssembly.Module;
  readonly fsBundle: Blob;
}

/** Host → worker. */
export type WorkerRequest =
  | { readonly id: number; readonly op: 'query'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'exec'; readonly sql: string }
  /** Runs the statement in array row mode and keeps the rows in the worker; the host reads them in pages. */
  | { readonly id: number; readonly op: 'cursorOpen'; readonly sql: string; readonly params: readonly unknown[] }
  | { readonly id: number; readonly op: 'cursorRead'; readonly cursor: number; readonly count: number }
  | { readonly id: number; readonly op: 'cursorClose'; readonly cursor: number }
  /**
   * The SQL playground's query session (sessionServer.ts): a statement whose rows are read page by page from an
   * open portal. Any other request closes that portal first. Pages carry raw DataRow bytes, transferred.
   */
  | { readonly id: number; readonly op: 'sessionExecute'; readonly sql: string; readonly rows: number; readonly eager: boolean }
  | { readonly id: number; readonly op: 'sessionFetch'; readonly statement: number; readonly rows: number }
  | { readonly id: number; readonly op: 'sessionClose'; readonly statement: number }
  | { readonly id: number; readonly op: 'sessionLookupTypes'; readonly oids: readonly number[] }
  /** Raw wire-protocol messages for the localhost server (src/db/serve); the reply is the raw response bytes. */
  | { readonly id: number; readonly op: 'protocolRaw'; readonly bytes: Uint8Array }
  | { readonly id: number; readonly op: 'close' };

/** The result of each request kind. */
export interface WorkerResults {
  query: QueryResult;
  exec: QueryResult[];
  cursorOpen: { readonly cursor: number; readonly fields: readonly FieldInfo[] };
  cursorRead: unknown[][];
  cursorClose: null;
  sessionExecute: SessionStart;
  sessionFetch: SessionPage;
  sessionClose: null;
  sessionLookupTypes: PgTypeRow[];
  protocolRaw: Uint8Array;
  close: null;
}

/** A DbError flattened for structured clone (class instances lose their prototype and own fields on the way). */
export interface SerializedDbError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  /** 'db' for a DbError; anything else is rebuilt as a plain Error with this message. */
  readonly reason?: string;
  readonly sql?: string;
  readonly params?: readonly unknown[];
  readonly code?: string;
  readonly position?: number;
  readonly detail?: string;
  readonly hint?: string;
  readonly severity?: string;
  readonly constraint?: string;
  readonly table?: string;
  readonly column?: string;
}

/** Worker → host. */
export type WorkerReply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedDbError }
  /** Sent once, when the database is open and accepts requests. */
  | { readonly id: 'ready' }
  /** Sent once instead of `ready` when the database could not be opened. */
  | { readonly id: 'openFailed'; readonly error: SerializedDbError };
