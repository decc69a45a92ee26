/**
 * One client connection of the localhost server. The server answers startup and authentication itself; after
 * that, whole client messages go to the database's one session, and the answers come back unchanged.
 *
 * PGlite has ONE session, shared by every client and by the extension. A client therefore takes "the floor" (the
 * server's turn lock) and the database (ProtocolTarget.exclusive) from its first message until the database is
 * idle again: ReadyForQuery 'I' with no extended-protocol batch half sent. Clients interleave between
 * transactions; one that waits for another's open transaction gets a NOTICE, then an error after the wait limit.
 * A client that leaves mid-transaction is rolled back.
 */
import type { Socket } from 'node:net';
import type { MutexInterface } from 'async-mutex';
import { E_TIMEOUT } from 'async-mutex';
import { ClosedError } from '../../core/errors';
import { StartupHandshake } from './startupHandshake';
import type { ProtocolExec, ProtocolTarget } from './protocolTarget';
import {
  copyFail,
  copyInResponse,
  errorResponse,
  ProtocolViolation,
  queryMessage,
  readMessages,
  readyForQuery,
  scanBackend,
  syncMessage,
  type Diagnostic,
  type FrontendMessage,
  type TxStatus,
} from './wireMessages';
import { COPY_REFUSAL, copyFromStdinKind, refusalQuery } from './copyFromStdin';
import { StatementNames } from './statementNames';

/** What a session needs from its server. */
export interface SessionHost {
  readonly target: ProtocolTarget;
  readonly user: string;
  readonly database: string;
  readonly password: string;
  /** ParameterStatus values sent after authentication (server_version, client_encoding, …). */
  readonly parameters: ReadonlyMap<string, string>;
  /** The turn lock among this server's clients, with the wait limit built in. */
  readonly floor: MutexInterface;
  readonly lockWaitSeconds: number;
  /** Disconnect a client idle inside a transaction for this long; 0 = never. */
  readonly idleInTransactionSeconds: number;
  /** A client finished a transaction that wrote (command tags of the transaction). */
  changed(tags: readonly string[]): void;
}

/** Command tags that change nothing: a transaction with only these does not fire "database changed". */
const READ_ONLY_TAGS = new Set([
  'SELECT', 'SHOW', 'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'SET', 'RESET', 'FETCH', 'MOVE', 'DECLARE', 'CLOSE',
  'DEALLOCATE', 'PREPARE', 'EXPLAIN', 'LISTEN', 'UNLISTEN', 'NOTIFY', 'DISCARD', 'SAVEPOINT', 'RELEASE', 'VALUES',
]);

/** Messages a batch ends with: each makes the database answer right away. */
const BATCH_END = new Set(['S', 'Q', 'H']);

/** A client that waits longer than this for its turn gets a NOTICE saying why. */
const NOTICE_AFTER_MS = 1000;

/** How often a client holding the database checks whether its owner wants to close it (no close event exists). */
const CLOSING_POLL_MS = 250;

let nextPid = 1;

export class ClientSession {
  readonly pid = nextPid++;
  #state: 'handshake' | 'ready' | 'closed' = 'handshake';
  #inbox: Buffer = Buffer.alloc(0);
  readonly #queue: FrontendMessage[] = [];
  readonly #handshake: StartupHandshake;
  /** Transaction status after the last ReadyForQuery the database sent this client. */
  #status: TxStatus = 'I';
  /** Extended-protocol messages were run but their Sync has not: the database is not free for anyone else. */
  #midBatch = false;
  /** After a turn that timed out: drop the rest of the extended batch up to its Sync. */
  #skipUntilSync = false;
  #tags: string[] = [];
  #wake: (() => void) | undefined;
  #pump: Promise<void> = Promise.resolve();
  #pumping = false;
  #closing: Promise<void> | undefined;
  /** Prepared statement and portal names of this client, prefixed so clients never collide. */
  readonly #names = new StatementNames(`_c${this.pid}_`);

  constructor(
    private readonly socket: Socket,
    private readonly host: SessionHost,
  ) {
    this.#handshake = new StartupHandshake({ ...host, pid: this.pid });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => undefined); // 'close' follows; a reset client is an ordinary way to leave
    socket.on('close', () => void this.close());
  }

  get isClosed(): boolean {
    return this.#state === 'closed';
  }

  /** Ends the connection (rolling back its open transaction) and resolves when the database is released. */
  close(fatal?: Diagnostic): Promise<void> {
    if (this.#state !== 'closed') {
      this.#state = 'closed';
      if (fatal) this.#write(errorResponse(fatal));
      this.socket.end();
      this.#wake?.();
      // a client that never answers end() must not keep the server from stopping
      setTimeout(() => this.socket.destroy(), 1000).unref();
      this.#closing = this.#pump.then(() => this.#forgetStatements());
    }
    return this.#closing ?? Promise.resolve();
  }

  /** Deallocates the statements the client left prepared (its names are unique, so this only saves memory). */
  async #forgetStatements(): Promise<void> {
    const closes = this.#names.closeAll();
    if (!closes.length) return;
    this.#names.prepared.clear();
    let release: MutexInterface.Releaser;
    try {
      release = await this.host.floor.acquire();
    } catch {
      return; // another client's transaction holds on: leave them
    }
    try {
      await this.host.target.exclusive((exec) => exec(Buffer.concat([...closes, syncMessage()])));
    } catch {
      // the database closed meanwhile: nothing left to free
    } finally {
      release();
    }
  }

  #write(bytes: Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(bytes);
  }

  #fatal(code: string, message: string, hint?: string): void {
    void this.close({ severity: 'FATAL', code, message, ...(hint ? { hint } : {}) });
  }

  #onData(chunk: Buffer): void {
    if (this.#state === 'closed') return;
    this.#inbox = this.#inbox.length ? Buffer.concat([this.#inbox, chunk]) : chunk;
    try {
      if (this.#state === 'handshake') {
        const step = this.#handshake.feed(this.#inbox);
        this.#inbox = step.rest;
        for (const b of step.replies) this.#write(b);
        if (step.outcome === undefined) return;
        if (step.outcome === 'close') return void this.close();
        if (step.outcome !== 'ready') return void this.close(step.outcome);
        this.#state = 'ready';
      }
      const { messages, rest } = readMessages(this.#inbox);
      this.#inbox = rest;
      this.#queue.push(...messages);
    } catch (e) {
      if (e instanceof ProtocolViolation) return this.#fatal('08P01', e.message);
      throw e;
    }
    if (this.#queue.length) this.#wake?.();
    if (this.#queue.length && !this.#pumping) this.#pump = this.#runQueue();
  }

  async #runQueue(): Promise<void> {
    this.#pumping = true;
    try {
      while (this.#queue.length && this.#state === 'ready') {
        const head = this.#queue[0]!;
        if (head.type === 'X') return void this.close(); // not awaited: close() waits for this very loop
        if (this.#skipUntilSync) {
          this.#skipOne();
          continue;
        }
        // short waits are ordinary turn-taking; only a wait a person would notice gets explained
        const notice = setTimeout(() => {
          this.#write(errorResponse({
            severity: 'NOTICE',
            code: '00000',
            message: `waiting for another client's transaction on this database to end (up to ${this.host.lockWaitSeconds} s)`,
          }));
        }, NOTICE_AFTER_MS);
        let release: MutexInterface.Releaser;
        try {
          release = await this.host.floor.acquire();
        } catch (e) {
          if (e !== E_TIMEOUT && !(e instanceof Error && e.message === E_TIMEOUT.message)) throw e;
          this.#failTurn();
          continue;
        } finally {
          clearTimeout(notice);
        }
        try {
          await this.host.target.beforeTurn?.();
          await this.host.target.exclusive((exec) => this.#serve(exec));
        } finally {
          release();
        }
      }
    } catch (e) {
      if (ClosedError.is(e)) return this.#fatal('57P01', 'terminating connection: the playground closed this database');
      // the database died or refused the bytes: this client cannot go on
      this.#fatal('58000', `the playground database failed: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      this.#pumping = false;
    }
  }

  /** Drops one message of a failed extended batch; its Sync gets the ReadyForQuery. */
  #skipOne(): void {
    const m = this.#queue.shift()!;
    if (m.type !== 'S') return;
    this.#skipUntilSync = false;
    this.#write(readyForQuery(this.#status));
  }

  /** The turn timed out: an error for the waiting statement (and the rest of its extended batch). */
  #failTurn(): void {
    this.#write(errorResponse({
      severity: 'ERROR',
      code: '55P03',
      message: `another client's transaction on this database stayed open for ${this.host.lockWaitSeconds} s; gave up waiting`,
      hint: 'This server runs one PostgreSQL session shared by its clients: commit or roll back the other transaction, then retry.',
    }));
    const head = this.#queue.shift()!;
    if (head.type === 'Q') return this.#write(readyForQuery('I'));
    if (head.type === 'S') return this.#write(readyForQuery('I'));
    this.#skipUntilSync = true;
  }

  /** Holds the database for this client until it is idle between transactions (or leaves). */
  async #serve(exec: ProtocolExec): Promise<void> {
    for (;;) {
      if (this.#state === 'closed') return this.#abandon(exec);
      if (!this.#queue.length) {
        if (this.#status === 'I' && !this.#midBatch) return;
        await this.#nextMessage(this.host.idleInTransactionSeconds);
        continue;
      }
      const head = this.#queue[0]!;
      if (head.type === 'X') {
        await this.#abandon(exec);
        return void this.close();
      }
      if (this.#skipUntilSync) {
        this.#skipOne();
        continue;
      }
      if (head.type === 'd' || head.type === 'c' || head.type === 'f') {
        this.#queue.shift(); // COPY data outside a COPY (after its error): PostgreSQL ignores it too
        continue;
      }
      const copy = copyFromStdinKind(head);
      if (copy === 'alone' && head.type === 'Q') {
        this.#queue.shift();
        await this.#copyIn(exec, head);
        continue;
      }
      if (copy && head.type === 'Q') {
        // PGlite would exit on a COPY FROM STDIN it cannot feed: PostgreSQL itself raises a clear error instead
        this.#queue[0] = { type: 'Q', frame: refusalQuery() };
      } else if (copy) {
        // extended protocol: refuse the Parse and skip to its Sync, as PostgreSQL does after an error
        this.#queue.shift();
        this.#write(errorResponse({ severity: 'ERROR', code: '0A000', message: COPY_REFUSAL }));
        this.#skipUntilSync = true;
        continue;
      }
      const batch: Buffer[] = [];
      while (this.#queue.length) {
        const m = this.#queue[0]!;
        if (m.type === 'X' || m.type === 'd' || m.type === 'c' || m.type === 'f') break;
        if (batch.length && copyFromStdinKind(m)) break;
        batch.push(this.#names.rewrite(this.#queue.shift()!).frame);
        if (BATCH_END.has(m.type)) break;
      }
      this.#answer(await exec(Buffer.concat(batch)));
    }
  }

  /**
   * COPY … FROM STDIN: PGlite can only run it with the data in the same call. So the server says "go ahead"
   * (CopyInResponse) itself, gathers CopyData up to CopyDone or CopyFail, and runs it all at once.
   */
  async #copyIn(exec: ProtocolExec, query: FrontendMessage): Promise<void> {
    this.#write(copyInResponse());
    const frames = [query.frame];
    for (;;) {
      while (!this.#queue.length && this.#state !== 'closed') await this.#nextMessage(this.host.idleInTransactionSeconds);
      const m = this.#queue[0];
      if (!m || m.type === 'X') {
        // gone mid-COPY: fail the copy so nothing half-written stays
        frames.push(copyFail('the client disconnected during COPY'));
        break;
      }
      if (m.type === 'd' || m.type === 'c' || m.type === 'f') {
        frames.push(this.#queue.shift()!.frame);
        if (m.type !== 'd') break;
        continue;
      }
      if (m.type === 'H' || m.type === 'S') {
        this.#queue.shift(); // allowed during COPY and ignored, as by PostgreSQL
        continue;
      }
      frames.push(copyFail(`unexpected message type "${m.type}" during COPY from stdin`));
      break;
    }
    this.#answer(await exec(Buffer.concat(frames)), ['G']);
  }

  /** Forwards the database's answer and follows the transaction status. */
  #answer(out: Uint8Array, drop: readonly string[] = []): void {
    const scan = scanBackend(out, drop);
    this.#write(scan.bytes);
    this.#tags.push(...scan.tags);
    if (scan.status === undefined) {
      this.#midBatch = true;
      return;
    }
    this.#midBatch = false;
    this.#status = scan.status;
    if (scan.status !== 'I') return;
    const tags = this.#tags;
    this.#tags = [];
    const last = tags[tags.length - 1] ?? '';
    if (!last.startsWith('ROLLBACK') && tags.some((t) => !READ_ONLY_TAGS.has(t.split(' ')[0]!))) this.host.changed(tags);
  }

  /** The client is gone while holding the database: finish its batch and roll back its transaction. */
  async #abandon(exec: ProtocolExec): Promise<void> {
    this.#queue.length = 0;
    if (this.#midBatch) this.#answerQuietly(await exec(syncMessage()));
    if (this.#status !== 'I') this.#answerQuietly(await exec(queryMessage('ROLLBACK')));
    this.#status = 'I';
    this.#midBatch = false;
    this.#tags = [];
  }

  #answerQuietly(out: Uint8Array): void {
    const scan = scanBackend(out);
    if (scan.status) this.#status = scan.status;
  }

  /**
   * Resolves on the client's next message or its leaving. With `idleSeconds` (holding the database inside a
   * transaction), a client silent for that long is disconnected and rolled back, as PostgreSQL's
   * idle_in_transaction_session_timeout does, so it cannot hold other clients and the extension forever.
   */
  #nextMessage(idleSeconds = 0): Promise<void> {
    return new Promise((resolve) => {
      const closing = this.host.target.isClosing;
      const watch = closing
        ? setInterval(() => {
            if (closing()) this.#fatal('57P01', 'terminating connection: the playground is closing this database (the open transaction was rolled back)');
          }, CLOSING_POLL_MS)
        : undefined;
      const timer =
        idleSeconds > 0
          ? setTimeout(
              () =>
                this.#fatal(
                  '25P03',
                  `terminating connection due to idle-in-transaction timeout (${idleSeconds} s): other clients and the extension wait for this database`,
                ),
              idleSeconds * 1000,
            )
          : undefined;
      this.#wake = () => {
        clearTimeout(timer);
        clearInterval(watch);
        this.#wake = undefined;
        resolve();
      };
    });
  }
}
