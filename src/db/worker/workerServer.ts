/**
 * The worker side: answers WorkerRequests against one PGlite instance. Requests are handled one after another in
 * arrival order (the host also holds a mutex, so at most one is in flight), which keeps BEGIN…COMMIT sequences
 * from the host intact.
 */
import type { PGlite, Results } from '@electric-sql/pglite';
import { DbError } from '../../core/errors';
import type { FieldInfo, QueryResult } from '../../core/sql';
import type { WorkerReply, WorkerRequest } from './protocol';
import { SessionServer } from './sessionServer';
import { serializeError } from './wireErrors';

/** The part of a MessagePort the server uses: easy to satisfy with parentPort. */
export interface ReplyChannel {
  postMessage(message: WorkerReply, transfer?: readonly ArrayBuffer[]): void;
}

interface HeldCursor {
  rows: unknown[][];
  pos: number;
}

function toResult(r: Results): QueryResult {
  return {
    rows: r.rows as QueryResult['rows'],
    fields: r.fields.map((f): FieldInfo => ({ name: f.name, dataTypeID: f.dataTypeID })),
    ...(r.affectedRows !== undefined ? { affectedRows: r.affectedRows } : {}),
  };
}

/** Serves one database. `onClosed` runs after a `close` request was answered. */
export class WorkerServer {
  readonly #cursors = new Map<number, HeldCursor>();
  #nextCursor = 1;
  #queue: Promise<void> = Promise.resolve();
  readonly #session: SessionServer;

  constructor(
    private readonly db: PGlite,
    private readonly channel: ReplyChannel,
    private readonly onClosed: () => void,
  ) {
    this.#session = new SessionServer(db);
  }

  /** Queues one request; replies exactly once. */
  handle(req: WorkerRequest): void {
    this.#queue = this.#queue.then(() => this.#answer(req));
  }

  async #answer(req: WorkerRequest): Promise<void> {
    let reply: WorkerReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const result = await this.#run(req);
      reply = { id: req.id, ok: true, result };
      transfer = pageBuffers(result);
    } catch (e) {
      reply = { id: req.id, ok: false, error: serializeError(e) };
    }
    try {
      this.channel.postMessage(reply, transfer);
    } catch (e) {
      // a result that cannot be cloned (should not happen with PGlite's types) must still get a reply
      this.channel.postMessage({ id: req.id, ok: false, error: serializeError(e) });
    }
    if (req.op === 'close') this.onClosed();
  }

  async #run(req: WorkerRequest): Promise<unknown> {
    // one connection: a query session's open portal (and its implicit transaction) ends before anything else runs
    if (req.op !== 'cursorRead' && req.op !== 'cursorClose' && !req.op.startsWith('session')) await this.#session.evict();
    switch (req.op) {
      case 'sessionExecute':
        return this.#session.execute(req.sql, req.rows, req.eager);
      case 'sessionFetch':
        return this.#session.fetch(req.statement, req.rows);
      case 'sessionClose':
        return this.#session.close(req.statement).then(() => null);
      case 'sessionLookupTypes':
        return this.#session.lookupTypes(req.oids);
      case 'query':
        try {
          return toResult(await this.db.query(req.sql, req.params as unknown[]));
        } catch (e) {
          throw DbError.from(e, req.sql, req.params);
        }
      case 'exec':
        try {
          return (await this.db.exec(req.sql)).map(toResult);
        } catch (e) {
          throw DbError.from(e, req.sql);
        }
      case 'cursorOpen': {
        let r: Results<unknown[]>;
        try {
          r = await this.db.query<unknown[]>(req.sql, req.params as unknown[], { rowMode: 'array' });
        } catch (e) {
          throw DbError.from(e, req.sql, req.params);
        }
        const cursor = this.#nextCursor++;
        this.#cursors.set(cursor, { rows: r.rows, pos: 0 });
        return { cursor, fields: toResult(r as Results).fields };
      }
      case 'cursorRead': {
        const c = this.#cursors.get(req.cursor);
        if (!c) throw new Error(`Cursor ${req.cursor} is closed.`);
        const page = c.rows.slice(c.pos, c.pos + Math.max(0, req.count));
        c.pos += page.length;
        return page;
      }
      case 'cursorClose':
        this.#cursors.delete(req.cursor);
        return null;
      case 'protocolRaw':
        // the host (src/db/serve) frames whole messages and never sends Terminate or a startup packet
        return this.db.execProtocolRaw(req.bytes);
      case 'close':
        this.#cursors.clear();
        await this.db.close();
        return null;
    }
  }
}

/** The row pages in a session reply, moved to the host instead of copied. */
function pageBuffers(result: unknown): ArrayBuffer[] {
  const r = result as { data?: unknown; page?: { data?: unknown } } | null;
  const data = r?.page?.data ?? r?.data;
  return data instanceof Uint8Array && data.buffer instanceof ArrayBuffer ? [data.buffer] : [];
}
