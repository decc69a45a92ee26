/**
 * What the server keeps per client across its turns on the shared session: the session of its own
 * (SessionIsolation), the statements it prepared (BatchStatements), and the writes it committed, as the SQL of a
 * scenario step (ServedWriteRecorder). ClientSession calls it around every turn and every round trip.
 */
import { isWriteTag } from '../../core/serve/sessionStatements';
import { ServedWriteRecorder } from '../../core/serve/servedWrites';
import type { DatabaseChange } from '../../core/serve/serveModel';
import { BatchStatements, withTextParams, type CompletedStatement } from './batchStatements';
import type { ProtocolExec } from './protocolTarget';
import { SessionIsolation } from './sessionIsolation';
import { statementText, type FrontendMessage, type TxStatus } from './wireMessages';

export class ClientTurns {
  readonly isolation: SessionIsolation;
  readonly #statements = new BatchStatements();
  readonly #recorder: ServedWriteRecorder;
  /** Names of types the database was asked for (user types declared by a client), by OID. */
  readonly #typeNames = new Map<number, string>();
  /** Command tags of the transaction in progress, and of the write transactions committed this turn. */
  #txTags: { tag: string; sql: string }[] = [];
  /** Statements of an extended batch not synced yet, and whether one of its messages failed. */
  readonly #pending: CompletedStatement[] = [];
  #failed = false;
  #turnTags: string[] = [];

  constructor(startup: ReadonlyMap<string, string>) {
    this.isolation = new SessionIsolation(startup);
    this.#recorder = new ServedWriteRecorder(() => ({ settings: new Map(this.isolation.settings) }));
  }

  /** The client got the session: its settings and prepared statements are put in place. Throws on a bad setting. */
  async enter(exec: ProtocolExec): Promise<void> {
    await this.isolation.enter(exec);
    this.#recorder.knowPrepared(this.isolation.prepared);
  }

  /**
   * Before a round trip of `batch` (the client's messages, its names already made unique). `midBatch`: the client
   * flushed part of an extended batch without its Sync, so the server must not run anything of its own now.
   */
  before(exec: ProtocolExec, batch: readonly FrontendMessage[], status: TxStatus, midBatch: boolean): Promise<void> {
    const texts = batch.flatMap((m) => (m.type === 'Q' || m.type === 'P' ? [statementText(m) ?? ''] : []));
    return texts.length ? this.isolation.beforeBatch(exec, texts, midBatch ? 'E' : status) : Promise.resolve();
  }

  /**
   * After the round trip: what ran is recorded, and at the end of a transaction the session is tidied for the
   * client (see SessionIsolation.transactionEnded). Returns warnings to send the client before its ReadyForQuery.
   */
  async after(exec: ProtocolExec, batch: readonly FrontendMessage[], out: Uint8Array): Promise<string[]> {
    const walked = this.#statements.walk(batch, out);
    this.#txTags.push(...walked.ran.filter((s) => s.tag).map((s) => ({ tag: s.tag, sql: s.sql })));
    // a batch flushed without its Sync goes on in the next round trip: nothing of the server's may run in between
    this.#pending.push(...walked.ran);
    this.#failed ||= walked.failed;
    const status = walked.status;
    if (!status) return [];
    const ran = this.#pending.splice(0);
    const failed = this.#failed;
    this.#failed = false;
    const keep = status !== 'I' || ran.some((s) => isWriteTag(s.tag, s.sql));
    const statements = await withTextParams(exec, ran, status === 'T', keep, this.#typeNames);
    this.#recorder.ran(statements, { failed, status });
    if (status !== 'I') return [];
    const tx = this.#txTags;
    this.#txTags = [];
    // committed (not failed outside a transaction block, not ended by ROLLBACK) and wrote: the views refresh
    const committed = !failed && !(tx.at(-1)?.tag ?? '').startsWith('ROLLBACK');
    if (committed && tx.some((t) => isWriteTag(t.tag, t.sql))) this.#turnTags.push(...tx.map((t) => t.tag));
    return this.isolation.transactionEnded(exec);
  }

  /**
   * The turn ends (`gone`: the client left, its transaction rolled back): the session goes back to how the
   * extension had it; returns what the client changed, if anything.
   */
  async leave(exec: ProtocolExec, gone = false): Promise<DatabaseChange | undefined> {
    // a client that left mid-transaction was rolled back: what it drew from sequences is recorded all the same
    if (gone) this.#recorder.ran([], { failed: true, status: 'I' });
    await this.isolation.leave(exec);
    const tags = this.#turnTags;
    this.#turnTags = [];
    const { sql, unrecorded } = this.#recorder.take();
    if (!tags.length && sql === undefined && !unrecorded.length) return undefined;
    const client = this.isolation.settings.get('application_name');
    return { tags, ...(sql !== undefined ? { sql } : {}), ...(unrecorded.length ? { unrecorded } : {}), ...(client ? { client } : {}) };
  }
}
