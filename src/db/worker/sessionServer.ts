/**
 * The worker side of the SQL playground's query session (host side: workerQuerySession.ts).
 *
 * Each statement runs through the extended protocol as a named portal, rows in text format, read `Execute(n)` at a
 * time, so the first page comes back without the rest of a million-row result being produced or held anywhere.
 * The portal lives in the statement's implicit transaction (no Sync until it is done), or in the user's own
 * BEGIN … COMMIT. PGlite has one connection, so whatever else uses the database first calls `evict()`: the portal
 * is closed and the implicit transaction ended (Close + Sync), never left open; the session's next page then
 * says its rows are gone.
 *
 * Statements that may write (DML … RETURNING, anything not plainly read-only) run to the end at once and are
 * committed before their rows are paged: their effects must not wait for the user to read the last page.
 */
import { protocol, type PGlite } from '@electric-sql/pglite';
import { DbError } from '../../core/errors';
import type { PgTypeRow } from '../../core/query/pgTypes';
import type { FieldInfo } from '../../core/sql';
import { concat, scanResponse, skipRows, type ScannedResponse } from './backendMessages';
import { decodeDataRows } from './dataRows';

const serialize = protocol.serialize;
const PORTAL = 'sp_rows';
const LOOKUP_TYPES =
  'SELECT oid::int, typname::text, typelem::int, typcategory::text FROM pg_type WHERE oid = ANY($1::oid[])';

/**
 * PGlite reads COPY data from the same input as the protocol messages: with none there, its backend hits end of
 * input and the whole database exits. Refused before it is sent.
 */
const COPY_FROM_STDIN = /^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)*copy\b[\s\S]*\bfrom\s+stdin\b/i;

/** A page of rows as it crosses to the host: raw DataRow messages, transferred. */
export interface SessionPage {
  readonly data: Uint8Array;
  readonly rowCount: number;
  /** Set on the page after which the statement is complete (its portal closed). */
  readonly commandTag?: string;
}

export interface SessionStart {
  /** Names this statement in later fetches; a fetch for any other statement is refused. */
  readonly statement: number;
  readonly fields: readonly FieldInfo[];
  readonly page: SessionPage;
  /** Statements that ran to the end at once: every row, and their tag from the start. */
  readonly totalRows?: number;
  readonly commandTag?: string;
}

/**
 * The message a page request gets when its rows were closed for another use of the database; a DbError with
 * SQLSTATE 34000 (invalid_cursor_name), as a server says of a closed cursor.
 */
export const ROWS_GONE =
  'The rest of these rows is no longer available: the database ran something else since (another query, an export, a sync or a client of the localhost server). Run the query again to see more.';

type Held =
  | { readonly statement: number; readonly kind: 'portal'; readonly sql: string; sent: number }
  | { readonly statement: number; readonly kind: 'buffer'; readonly rows: Uint8Array; pos: number; left: number };

export class SessionServer {
  #held: Held | undefined;
  #next = 1;

  constructor(private readonly db: Pick<PGlite, 'execProtocolRawStream'>) {}

  /** Starts `sql`, answering with its fields and up to `rows` rows. `eager`: run it to the end now (writes). */
  async execute(sql: string, rows: number, eager: boolean): Promise<SessionStart> {
    if (COPY_FROM_STDIN.test(sql)) {
      throw new DbError('COPY … FROM STDIN cannot be used here: there is no client to send the data. Use INSERT, or COPY … FROM a file.', sql, undefined, { code: '0A000' });
    }
    await this.evict();
    this.#held = undefined; // one statement at a time: a previous statement's buffered rows go too
    const statement = this.#next++;
    const r = await this.#send(
      serialize.parse({ text: sql }),
      serialize.bind({ portal: PORTAL }),
      serialize.describe({ type: 'P', name: PORTAL }),
      serialize.execute({ portal: PORTAL, rows: eager ? 0 : rows }),
      serialize.flush(),
    );
    await this.#settle(r, sql);
    const fields = r.fields ?? [];
    if (r.suspended) {
      this.#held = { statement, kind: 'portal', sql, sent: r.rowCount };
      return { statement, fields, page: { data: r.rows.slice(), rowCount: r.rowCount } };
    }
    const commandTag = r.commandTag ?? '';
    if (!eager) return { statement, fields, page: { data: r.rows.slice(), rowCount: r.rowCount, commandTag } };
    const held: Held = { statement, kind: 'buffer', rows: r.rows, pos: 0, left: r.rowCount };
    this.#held = held;
    return { statement, fields, page: this.#fromBuffer(held, rows), totalRows: r.rowCount, commandTag };
  }

  /** Up to `rows` more rows of `statement`. */
  async fetch(statement: number, rows: number): Promise<SessionPage> {
    const held = this.#held;
    if (held?.statement !== statement) throw new DbError(ROWS_GONE, '', undefined, { code: '34000' });
    if (held.kind === 'buffer') return this.#fromBuffer(held, rows);
    const r = await this.#send(serialize.execute({ portal: PORTAL, rows }), serialize.flush());
    await this.#settle(r, held.sql);
    held.sent += r.rowCount;
    if (r.suspended) return { data: r.rows.slice(), rowCount: r.rowCount };
    return { data: r.rows.slice(), rowCount: r.rowCount, commandTag: countedTag(r.commandTag ?? '', held.sent) };
  }

  /** Stops reading `statement` (a no-op when it is already closed). */
  async close(statement: number): Promise<void> {
    if (this.#held?.statement !== statement) return;
    if (this.#held.kind === 'portal') await this.evict();
    this.#held = undefined;
  }

  /**
   * Closes the open portal and ends its implicit transaction, so the database is free for anything else. Rows of
   * a statement that already ran to the end stay readable: they hold nothing in the database.
   */
  async evict(): Promise<void> {
    if (this.#held?.kind !== 'portal') return;
    this.#held = undefined;
    await this.#send(serialize.close({ type: 'P', name: PORTAL }), serialize.sync());
  }

  /** pg_type rows for `oids`, without disturbing an open portal (no Sync while one is open). */
  async lookupTypes(oids: readonly number[]): Promise<PgTypeRow[]> {
    const open = this.#held?.kind === 'portal';
    const r = await this.#send(
      serialize.parse({ text: LOOKUP_TYPES, types: [1028] }),
      serialize.bind({ values: [`{${oids.map((o) => Math.trunc(o)).join(',')}}`] }),
      serialize.execute({}),
      open ? serialize.flush() : serialize.sync(),
    );
    if (r.error) {
      // an error aborts the implicit transaction the open portal lives in: it is gone
      if (open) await this.evict();
      throw backendError(r, LOOKUP_TYPES);
    }
    return decodeDataRows(r.rows, r.rowCount).map(([oid, typname, typelem, typcategory]) => ({
      oid: Number(oid),
      typname: typname ?? '',
      typelem: Number(typelem),
      typcategory: typcategory ?? '',
    }));
  }

  /**
   * After a statement's Execute: a finished statement's portal is closed and its transaction ended; an error
   * ends it too (and is thrown).
   */
  async #settle(r: ScannedResponse, sql: string): Promise<void> {
    if (r.error) {
      this.#held = undefined;
      await this.#send(serialize.sync());
      throw backendError(r, sql);
    }
    if (!r.suspended) {
      this.#held = undefined;
      await this.#send(serialize.close({ type: 'P', name: PORTAL }), serialize.sync());
    }
  }

  #fromBuffer(held: Held & { kind: 'buffer' }, rows: number): SessionPage {
    const n = Math.min(rows, held.left);
    const end = skipRows(held.rows, held.pos, n);
    const page = { data: held.rows.slice(held.pos, end), rowCount: n };
    held.pos = end;
    held.left -= n;
    if (held.left === 0 && this.#held === held) this.#held = undefined;
    return page;
  }

  async #send(...messages: Uint8Array[]): Promise<ScannedResponse> {
    const bytes = concat(messages);
    // a Sync may commit: only then does the file system need syncing (reads of a page never write)
    const syncs = messages.at(-1)?.[0] === 0x53;
    // the streaming variant: execProtocolRaw also parses every message into objects (and keeps them) in PGlite
    const chunks: Uint8Array[] = [];
    await this.db.execProtocolRawStream(bytes, { syncToFs: syncs, onRawData: (chunk) => chunks.push(chunk.slice()) });
    return scanResponse(chunks.length === 1 ? chunks[0]! : concat(chunks));
  }
}

/** The server counts only the last Execute's rows in "SELECT n": the user wants the statement's. */
function countedTag(tag: string, rows: number): string {
  return /^(SELECT|FETCH|MOVE|COPY) \d+$/.test(tag) ? tag.replace(/\d+$/, String(rows)) : tag;
}

function backendError(r: ScannedResponse, sql: string | undefined): DbError {
  const e = r.error ?? { message: 'The statement failed without an error message.' };
  return DbError.from(Object.assign(new Error(e.message), e), sql ?? '');
}
