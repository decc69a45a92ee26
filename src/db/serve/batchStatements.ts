/**
 * What a client's round trip ran: its messages (names already made per client) paired with the database's answer,
 * message by message, as the protocol orders them. Gives the statements that completed, with their command tags
 * and, for the extended protocol, their parameters as text — what ServedWriteRecorder needs to record a write.
 */
import { splitStatements } from '../../core/query/splitStatements';
import { copyAsInsert } from '../../core/serve/copyAsInsert';
import type { RanStatement } from '../../core/serve/servedWrites';
import { COPY_FROM_STDIN } from './copyFromStdin';
import {
  backendMessages,
  describeMessage,
  parameterOids,
  readBind,
  readExecutePortal,
  readParse,
  readTarget,
  readyStatus,
  type BackendMessage,
} from './extendedProtocol';
import { runInternal } from './internalQuery';
import type { ProtocolExec } from './protocolTarget';
import { statementText, syncMessage, type FrontendMessage, type TxStatus } from './wireMessages';

/** Messages the database may send at any point (notices, setting changes, notifications). */
const ASYNC = new Set(['N', 'S', 'A']);

/** What a frontend message is answered with when it succeeds. */
const DONE: Readonly<Record<string, readonly string[]>> = {
  P: ['1'],
  B: ['2'],
  D: ['T', 'n'],
  E: ['C', 'I', 's'],
  C: ['3'],
  S: ['Z'],
  F: ['V'],
};

/** A completed statement before its parameters are turned into text. */
export interface CompletedStatement {
  readonly sql: string;
  readonly tag: string;
  readonly continued?: boolean;
  readonly unrecordable?: string;
  readonly bind?: {
    /** The prepared statement it ran (the name the database knows it by). */
    readonly statement: string;
    readonly declared: readonly number[];
    /** Types the database inferred (from a Describe of the statement), when the client asked. */
    readonly described?: readonly number[];
    readonly params: readonly (Buffer | null)[];
    readonly formats: readonly number[];
  };
}

interface Parsed {
  readonly name: string;
  readonly sql: string;
  readonly oids: readonly number[];
  described?: readonly number[];
}

interface Portal {
  readonly statement: Parsed;
  readonly params: readonly (Buffer | null)[];
  readonly formats: readonly number[];
  started: boolean;
}

/** Why COPY FROM STDIN over the socket is not in an exported scenario. */
export const COPY_UNRECORDED =
  'a COPY FROM STDIN with options this server cannot turn into INSERT (BINARY, FORCE_NULL, …): use INSERT, or COPY in text or CSV form';

/** One client's prepared statements and portals, followed across round trips. */
export class BatchStatements {
  readonly #statements = new Map<string, Parsed>();
  readonly #portals = new Map<string, Portal>();

  /** Pairs `messages` with the answer `out`: the statements that completed, whether an error stopped one, the status. */
  walk(messages: readonly FrontendMessage[], out: Uint8Array): { ran: CompletedStatement[]; failed: boolean; status?: TxStatus } {
    const answers = backendMessages(out).filter((m) => !ASYNC.has(m.type));
    let at = 0;
    let failed = false;
    let skipping = false; // after an extended-protocol error the server skips to the Sync
    let status: TxStatus | undefined;
    const ran: CompletedStatement[] = [];
    /** Consumes this message's answers; returns its final one (undefined: error, or nothing left). */
    const answer = (type: string, seen?: (m: BackendMessage) => void): BackendMessage | undefined => {
      while (at < answers.length) {
        const m = answers[at++]!;
        if (m.type === 'E') {
          failed = true;
          skipping = type !== 'Q';
          return undefined;
        }
        if (m.type === 'Z') status = readyStatus(m.body);
        if ((DONE[type] ?? ['Z']).includes(m.type)) return m;
        seen?.(m);
      }
      return undefined;
    };
    for (const [index, m] of messages.entries()) {
      if (skipping && m.type !== 'S') continue;
      switch (m.type) {
        case 'Q':
          this.#simpleQuery(statementText(m) ?? '', copyData(messages, index), answers, at, ran, (next, error, z) => {
            at = next;
            if (error) failed = true;
            if (z) status = z;
          });
          break;
        case 'P': {
          const p = readParse(m);
          if (answer('P')) this.#statements.set(p.name, { name: p.name, sql: p.sql, oids: p.oids });
          break;
        }
        case 'B': {
          const b = readBind(m);
          const statement = this.#statements.get(b.statement);
          if (answer('B') && statement) this.#portals.set(b.portal, { statement, params: b.params, formats: b.formats, started: false });
          break;
        }
        case 'D': {
          const t = readTarget(m);
          answer('D', (x) => {
            const s = t.kind === 'S' ? this.#statements.get(t.name) : undefined;
            if (x.type === 't' && s) s.described = parameterOids(x.body);
          });
          break;
        }
        case 'E': {
          const portal = this.#portals.get(readExecutePortal(m));
          const done = answer('E');
          if (!done || !portal || done.type === 'I') break;
          const tag = done.type === 'C' ? cstringOf(done.body) : '';
          const p = portal.statement;
          ran.push(
            portal.started
              ? { sql: p.sql, tag, continued: true }
              : { sql: p.sql, tag, bind: { statement: p.name, declared: p.oids, ...(p.described ? { described: p.described } : {}), params: portal.params, formats: portal.formats } },
          );
          portal.started = true;
          break;
        }
        case 'C': {
          const t = readTarget(m);
          if (answer('C')) (t.kind === 'S' ? this.#statements : this.#portals).delete(t.name);
          break;
        }
        case 'S':
          answer('S');
          skipping = false;
          break;
        case 'F':
          answer('F');
          break;
        default:
          break; // Flush, COPY data: no answer of their own
      }
    }
    // the unnamed portal and every portal of a finished transaction are gone
    if (status === 'I') this.#portals.clear();
    return { ran, failed, ...(status ? { status } : {}) };
  }

  /** A simple Query: its statements pair with the CommandCompletes, in order, up to an error. */
  #simpleQuery(
    text: string,
    copy: string,
    answers: readonly BackendMessage[],
    from: number,
    ran: CompletedStatement[],
    done: (next: number, error: boolean, status?: TxStatus) => void,
  ): void {
    const statements = splitStatements(text);
    let k = 0;
    let at = from;
    let error = false;
    while (at < answers.length && answers[at]!.type !== 'Z') {
      const m = answers[at++]!;
      if (m.type === 'E') error = true;
      if (m.type !== 'C') continue;
      const sql = statements[k++]?.sql ?? '';
      const tag = cstringOf(m.body);
      if (!COPY_FROM_STDIN.test(sql)) {
        ran.push({ sql, tag });
        continue;
      }
      // the rows a COPY read, as an INSERT of literals that a step can replay ('' = no rows)
      const insert = copyAsInsert(sql, copy);
      if (insert === undefined) ran.push({ sql, tag, unrecordable: COPY_UNRECORDED });
      else if (insert) ran.push({ sql: insert, tag });
    }
    const z = answers[at];
    if (z) at++;
    done(at, error, z ? readyStatus(z.body) : undefined);
    // a simple Query destroys the unnamed statement and portal
    this.#statements.delete('');
    this.#portals.delete('');
  }
}

/** The CopyData that follows the Query at `index` (a COPY FROM STDIN the server fed itself), as text. */
function copyData(messages: readonly FrontendMessage[], index: number): string {
  const data: Buffer[] = [];
  for (let i = index + 1; i < messages.length && messages[i]!.type === 'd'; i++) data.push(messages[i]!.frame.subarray(5));
  return Buffer.concat(data).toString('utf8');
}

function cstringOf(body: Buffer): string {
  const end = body.indexOf(0);
  return body.toString('utf8', 0, end < 0 ? body.length : end);
}

// ---- parameters as text ----

/** Types a replay can name without asking the database (pg_type names, as PREPARE accepts them). */
const KNOWN_TYPES: Readonly<Record<number, string>> = {
  16: 'bool', 17: 'bytea', 18: '"char"', 19: 'name', 20: 'int8', 21: 'int2', 23: 'int4', 25: 'text', 26: 'oid', 114: 'json',
  700: 'float4', 701: 'float8', 1042: 'bpchar', 1043: 'varchar', 1082: 'date', 1083: 'time', 1114: 'timestamp',
  1184: 'timestamptz', 1186: 'interval', 1700: 'numeric', 2950: 'uuid', 3802: 'jsonb',
};

/** A binary parameter as the type's text, when the type's binary form is simple; undefined = ask the database. */
function binaryAsText(oid: number, b: Buffer): string | undefined {
  switch (oid) {
    case 16: return b[0] ? 't' : 'f';
    case 17: return `\\x${b.toString('hex')}`;
    case 20: return b.readBigInt64BE(0).toString();
    case 21: return String(b.readInt16BE(0));
    case 23: return String(b.readInt32BE(0));
    case 700: return String(b.readFloatBE(0));
    case 701: return String(b.readDoubleBE(0));
    case 19: case 25: case 114: case 1042: case 1043: return b.toString('utf8');
    case 3802: return b.subarray(1).toString('utf8'); // version byte, then the text
    case 2950: {
      const h = b.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    default: return undefined;
  }
}

/**
 * Turns completed statements into what the recorder keeps: parameters as text, declared types named. Binary values
 * of types without a simple form are converted by the database itself (`$1::text` of that type), and so are type
 * names it does not know: exact for every type. Only when the round trip may be recorded (`keep`: it wrote, or a
 * transaction is still open); a read-only round trip that ended its transaction costs nothing.
 */
export async function withTextParams(
  exec: ProtocolExec,
  ran: readonly CompletedStatement[],
  inTransaction: boolean,
  keep: boolean,
  typeNames: Map<number, string>,
): Promise<RanStatement[]> {
  // a binary value whose type the client left to the server: ask the database (the statement is still there)
  const describe = [...new Set(ran.filter((s) => keep && s.bind && !s.bind.described && s.bind.formats.some((f, i) => f === 1 && !s.bind!.declared[i])).map((s) => s.bind!.statement))];
  const described = new Map<string, number[]>();
  if (describe.length) {
    const out = await exec(Buffer.concat([...describe.map((n) => describeMessage('S', n)), syncMessage()]));
    let k = 0;
    for (const m of backendMessages(out)) if (m.type === 't') described.set(describe[k++]!, parameterOids(m.body));
  }
  const oidsToName = new Set<number>();
  const conversions: { at: number; i: number; oid: number; value: Buffer }[] = [];
  const values: (string | null)[][] = ran.map(() => []);
  const problems: (string | undefined)[] = ran.map(() => undefined);
  ran.forEach((s, at) => {
    if (!s.bind || !keep) return;
    s.bind.declared.forEach((o) => o && !KNOWN_TYPES[o] && !typeNames.has(o) && oidsToName.add(o));
    s.bind.params.forEach((p, i) => {
      if (p === null) return void (values[at]![i] = null);
      if (s.bind!.formats[i] !== 1) return void (values[at]![i] = p.toString('utf8'));
      const oid = s.bind!.declared[i] || s.bind!.described?.[i] || described.get(s.bind!.statement)?.[i] || 0;
      const simple = oid ? binaryAsText(oid, p) : undefined;
      if (simple !== undefined) values[at]![i] = simple;
      else if (oid) conversions.push({ at, i, oid, value: p });
      else problems[at] = 'a binary parameter of a type the server never saw';
    });
  });
  if (oidsToName.size || conversions.length) {
    try {
      const queries = [
        ...(oidsToName.size ? [{ sql: 'SELECT o::text, pg_catalog.format_type(o, NULL) FROM unnest($1::oid[]) AS o', params: [`{${[...oidsToName].join(',')}}`] }] : []),
        ...conversions.map((c) => ({ sql: 'SELECT $1::text', oids: [c.oid], params: [c.value], formats: [1] })),
      ];
      const results = await runInternal(exec, queries, inTransaction);
      if (oidsToName.size) for (const [o, name] of results.shift() ?? []) if (o && name) typeNames.set(Number(o), name);
      conversions.forEach((c, k) => (values[c.at]![c.i] = results[k]?.[0]?.[0] ?? null));
    } catch (e) {
      for (const c of conversions) problems[c.at] = `a binary parameter the database could not show as text (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return ran.map((s, at) => {
    const base = { sql: s.sql, tag: s.tag, ...(s.continued ? { continued: true } : {}), ...(s.unrecordable ? { unrecordable: s.unrecordable } : {}) };
    if (!s.bind?.params.length) return base;
    if (!keep) return { ...base, unrecordable: 'parameters the server did not keep' };
    const types = s.bind.params.map((_, i) => {
      const o = s.bind!.declared[i] ?? 0;
      return o ? (KNOWN_TYPES[o] ?? typeNames.get(o) ?? '') : '';
    });
    const problem = problems[at];
    return { ...base, params: { types, values: values[at]! }, ...(problem ? { unrecordable: problem } : {}) };
  });
}
