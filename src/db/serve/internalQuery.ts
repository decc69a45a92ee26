/**
 * The server's own queries on the shared session, between or inside a client's transactions. They use the extended
 * protocol with a named statement and portal: a simple Query would destroy the client's unnamed prepared statement
 * and portal, which a client may still use after a Sync. Inside a client's open transaction they run under a
 * savepoint, so a failure can never abort the client's transaction.
 */
import type { ProtocolExec } from './protocolTarget';
import {
  backendMessages,
  bindMessage,
  closeMessage,
  dataRowValues,
  diagnosticFields,
  executeMessage,
  parseMessage,
} from './extendedProtocol';
import { syncMessage } from './wireMessages';

export interface InternalQuery {
  readonly sql: string;
  /** Parameters as text (null = NULL), or bytes in `formats`. */
  readonly params?: readonly (string | Buffer | null)[];
  readonly oids?: readonly number[];
  readonly formats?: readonly number[];
}

/** One of the server's own queries failed. */
export class InternalQueryError extends Error {
  readonly reason = 'internal-query' as const;
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'InternalQueryError';
  }
  static is(e: unknown): e is InternalQueryError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'internal-query';
  }
}

const STATEMENT = '_spg_serve_s';
const PORTAL = '_spg_serve_p';
const SAVEPOINT = '_spg_serve';

function steps(queries: readonly InternalQuery[]): Buffer[] {
  return queries.flatMap((q) => [
    parseMessage(STATEMENT, q.sql, q.oids ?? []),
    bindMessage(PORTAL, STATEMENT, q.params ?? [], q.formats ?? []),
    executeMessage(PORTAL),
    closeMessage('P', PORTAL),
    closeMessage('S', STATEMENT),
  ]);
}

/** Reads the rows of each Execute; throws the first error. */
function rowsOf(out: Uint8Array): (string | null)[][][] {
  const results: (string | null)[][][] = [];
  let rows: (string | null)[][] = [];
  for (const m of backendMessages(out)) {
    if (m.type === 'D') rows.push(dataRowValues(m.body));
    else if (m.type === 'C' || m.type === 'I') {
      results.push(rows);
      rows = [];
    } else if (m.type === 'E') {
      const f = diagnosticFields(m.body);
      throw new InternalQueryError(f.get('M') ?? 'the database refused the server\'s query', f.get('C'));
    }
  }
  return results;
}

/**
 * Runs `queries` in order, in one round trip, and returns each one's rows (text). `inTransaction`: the client has a
 * transaction open, so the queries run under a savepoint that is rolled back if one fails.
 */
export async function runInternal(exec: ProtocolExec, queries: readonly InternalQuery[], inTransaction = false): Promise<(string | null)[][][]> {
  const guarded = inTransaction ? [{ sql: `SAVEPOINT ${SAVEPOINT}` }, ...queries, { sql: `RELEASE SAVEPOINT ${SAVEPOINT}` }] : queries;
  try {
    const results = rowsOf(await exec(Buffer.concat([...steps(guarded), syncMessage()])));
    return inTransaction ? results.slice(1, -1) : results;
  } catch (e) {
    if (!InternalQueryError.is(e)) throw e;
    // the failed batch skipped its Close messages: free the names (closing a missing one is no error), and in
    // the client's transaction undo what ran since the savepoint
    const undo = inTransaction ? steps([{ sql: `ROLLBACK TO SAVEPOINT ${SAVEPOINT}` }, { sql: `RELEASE SAVEPOINT ${SAVEPOINT}` }]) : [];
    await exec(Buffer.concat([closeMessage('P', PORTAL), closeMessage('S', STATEMENT), ...undo, syncMessage()]));
    throw e;
  }
}
