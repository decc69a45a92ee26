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
import { DatabaseUnavailableError } from '../../core/serve/serveErrors';
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
  statementText,
  syncMessage,
  type Diagnostic,
  type FrontendMessage,
  type TxStatus,
} from './wireMessages';
import { COPY_REFUSAL, copyFromStdinKind, refusalQuery } from './copyFromStdin';
import { StatementNames } from './statementNames';
import { sessionEffects, sessionWideCommand } from '../../core/serve/sessionStatements';
import type { DatabaseChange } from '../../core/serve/serveModel';
import { ClientTurns } from './clientTurn';
import { InternalQueryError } from './internalQuery';
import { commandComplete } from './extendedProtocol';

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
  /** A client's turn committed writes: their tags and, as a scenario step's SQL, what they were. */
  changed(change: DatabaseChange): void;
}

/** Messages a batch ends with: each makes the database answer right away. */
const BATCH_END = new Set(['S', 'Q', 'H']);

/** A client that waits longer than this for its turn gets a NOTICE saying why. */
const NOTICE_AFTER_MS = 1000;

/** How often a client holding the database checks whether its owner wants to close it (no close event exists). */
const CLOSING_POLL_MS = 250;

let nextPid = 1;

/** Why the server refuses a Query or Parse before the database sees it (LISTEN, WITH HOLD), or undefined. */
function refusalOf(m: FrontendMessage): { message: string; hint: string } | undefined {
  const text = statementText(m);
  return text ? sessionEffects(text).refusal : undefined;
}

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
  /** The client's own session and its recorded writes (made once its startup packet is read). */
  #turns: ClientTurns | undefined;
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
        this.#turns = new ClientTurns(this.#handshake.settings);
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
          const change = await this.host.target.exclusive((exec) => this.#turn(exec));
          if (change) this.host.changed(change);
        } finally {
          release();
        }
      }
    } catch (e) {
      if (ClosedError.is(e)) return this.#fatal('57P01', 'terminating connection: the playground closed this database');
      if (DatabaseUnavailableError.is(e)) return this.#fatal(e.code, e.message);
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

  /** One turn: the client's own session in place, served until idle, then the session given back as it was. */
  async #turn(exec: ProtocolExec): Promise<DatabaseChange | undefined> {
    const turns = this.#turns!;
    try {
      await turns.enter(exec);
    } catch (e) {
      if (!InternalQueryError.is(e)) throw e;
      // as PostgreSQL refuses a startup packet with a bad setting: the connection ends with the reason
      this.#fatal(e.code ?? '22023', `invalid setting for this connection: ${e.message}`);
      return undefined;
    }
    await this.#serve(exec, turns);
    // a client that left mid-transaction was rolled back: still release what outlives a rollback (session locks)
    const gone = this.#state === 'closed';
    if (gone) await turns.isolation.transactionEnded(exec).catch(() => []);
    return turns.leave(exec, gone);
  }

  /** Holds the database for this client until it is idle between transactions (or leaves). */
  async #serve(exec: ProtocolExec, turns: ClientTurns): Promise<void> {
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
        await this.#copyIn(exec, turns, head);
        continue;
      }
      const text = statementText(head) ?? '';
      const refusal = copy ? { message: COPY_REFUSAL, hint: 'Send the COPY on its own, or use INSERT.' } : refusalOf(head);
      if (refusal && head.type === 'Q') {
        // PGlite would exit on a COPY FROM STDIN it cannot feed, and LISTEN cannot reach the right client: the
        // database raises a clear error itself, so an open transaction fails exactly as for any other error
        this.#queue[0] = { type: 'Q', frame: refusalQuery(refusal.message, refusal.hint) };
      } else if (refusal) {
        // extended protocol: refuse the Parse and skip to its Sync, as PostgreSQL does after an error
        this.#queue.shift();
        this.#write(errorResponse({ severity: 'ERROR', code: '0A000', message: refusal.message, hint: refusal.hint }));
        this.#skipUntilSync = true;
        continue;
      }
      const wide = head.type === 'Q' ? sessionWideCommand(text) : undefined;
      if (wide === 'deallocate all' || (wide === 'discard all' && this.#status === 'I')) {
        this.#queue.shift();
        await this.#forget(exec, turns, wide);
        continue;
      }
      const batch: FrontendMessage[] = [];
      while (this.#queue.length) {
        const m = this.#queue[0]!;
        if (m.type === 'X' || m.type === 'd' || m.type === 'c' || m.type === 'f') break;
        if (batch.length && (copyFromStdinKind(m) || refusalOf(m))) break;
        batch.push(this.#names.rewrite(this.#queue.shift()!));
        if (BATCH_END.has(m.type)) break;
      }
      await this.#run(exec, turns, batch);
    }
  }

  /** Runs one round trip of the client's, with the session looked after around it. */
  async #run(exec: ProtocolExec, turns: ClientTurns, batch: readonly FrontendMessage[], drop: readonly string[] = [], tag?: string): Promise<void> {
    await turns.before(exec, batch, this.#status, this.#midBatch);
    const out = await exec(Buffer.concat(batch.map((m) => m.frame)));
    this.#answer(out, drop, await turns.after(exec, batch, out), tag);
  }

  /**
   * DISCARD ALL and DEALLOCATE ALL for this client alone: on the shared session they would also drop the other
   * clients' prepared statements and the extension's temporary tables.
   */
  async #forget(exec: ProtocolExec, turns: ClientTurns, what: 'discard all' | 'deallocate all'): Promise<void> {
    const closes = this.#names.closeAll();
    this.#names.prepared.clear();
    if (closes.length) await exec(Buffer.concat([...closes, syncMessage()]));
    await turns.isolation.forget(exec, what);
    if (what === 'deallocate all') {
      this.#write(Buffer.concat([commandComplete('DEALLOCATE ALL'), readyForQuery(this.#status)]));
      return;
    }
    // the rest of DISCARD ALL: temporary objects, locks and cursors of a client never outlive its transactions
    await this.#run(exec, turns, [{ type: 'Q', frame: queryMessage('RESET ALL; DISCARD PLANS; DISCARD SEQUENCES') }], ['C'], 'DISCARD ALL');
  }

  /**
   * COPY … FROM STDIN: PGlite can only run it with the data in the same call. So the server says "go ahead"
   * (CopyInResponse) itself, gathers CopyData up to CopyDone or CopyFail, and runs it all at once.
   */
  async #copyIn(exec: ProtocolExec, turns: ClientTurns, query: FrontendMessage): Promise<void> {
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
    await this.#run(exec, turns, frames.map((frame) => ({ type: String.fromCharCode(frame[0]!), frame })), ['G']);
  }

  /**
   * Forwards the database's answer and follows the transaction status. `warnings` go just before its
   * ReadyForQuery; `tag` replaces its command tags (a command the server carried out in several statements).
   */
  #answer(out: Uint8Array, drop: readonly string[] = [], warnings: readonly string[] = [], tag?: string): void {
    const scan = scanBackend(out, drop);
    const ready = scan.status !== undefined && scan.bytes.length >= 6 && scan.bytes[scan.bytes.length - 6] === 0x5a /* Z */;
    const body = ready ? scan.bytes.subarray(0, scan.bytes.length - 6) : scan.bytes;
    this.#write(body);
    if (tag) this.#write(commandComplete(tag));
    for (const message of warnings) this.#write(errorResponse({ severity: 'WARNING', code: '01000', message }));
    if (ready) this.#write(scan.bytes.subarray(scan.bytes.length - 6));
    if (scan.status === undefined) {
      this.#midBatch = true;
      return;
    }
    this.#midBatch = false;
    this.#status = scan.status;
  }

  /** The client is gone while holding the database: finish its batch and roll back its transaction. */
  async #abandon(exec: ProtocolExec): Promise<void> {
    this.#queue.length = 0;
    if (this.#midBatch) this.#answerQuietly(await exec(syncMessage()));
    if (this.#status !== 'I') this.#answerQuietly(await exec(queryMessage('ROLLBACK')));
    this.#status = 'I';
    this.#midBatch = false;
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
