/**
 * Turns what a client of the localhost server committed into the SQL of a scenario step, so that Export Scenario
 * replays it. The statements themselves are recorded (not their effect): a replay then runs the same triggers,
 * defaults and sequences as the live run, exactly like a statement typed in the SQL editor.
 *
 * - Transactions that wrote are recorded, committed ones ending in COMMIT and rolled-back ones in ROLLBACK: a
 *   rolled-back INSERT still drew its serial and op-queue sequence values, and the replay must draw them too, or
 *   every later id would differ. Statements that failed are left out (a replay step cannot fail half-way), so a
 *   sequence value a failed statement drew is not drawn again.
 * - Parameters are never spliced into the text: a parameterised statement becomes `PREPARE … AS <its text>`
 *   with the client's declared types, and `EXECUTE …('value', …)` with each value as a quoted literal, which
 *   PostgreSQL converts with the parameter type's input function — exactly what the protocol did.
 * - COPY … FROM STDIN becomes an INSERT of its rows as literals (copyAsInsert): the same input functions run.
 * - Session settings the client had (search_path, TimeZone, …) are set for the transaction only (`set_config(…,
 *   true)`), and its `SET x` statements become `SET LOCAL x`, so the step does not change the replayed session.
 */
import { executedName, isWriteTag, preparedName } from './sessionStatements';

/** One statement a client ran to completion. */
export interface RanStatement {
  readonly sql: string;
  /** Its command tag ("INSERT 0 1"); '' when a suspended portal has not finished yet. */
  readonly tag: string;
  /** Extended protocol: parameter types as the client declared them ('' = inferred) and values as text. */
  readonly params?: { readonly types: readonly string[]; readonly values: readonly (string | null)[] };
  /** The statement cannot be replayed from a step (why); a transaction holding it is not recorded. */
  readonly unrecordable?: string;
  /** A later Execute of an already recorded portal: only its tag counts. */
  readonly continued?: boolean;
}

/** What the client's session looked like when a transaction began. */
export interface ClientContext {
  /** Session settings the client set (name → value). */
  readonly settings: ReadonlyMap<string, string>;
}

/** Settings that change nothing a replay computes. */
const IRRELEVANT = new Set(['application_name', 'client_encoding']);

/** A SQL string literal (standard_conforming_strings is on in every playground database). */
export const literal = (v: string): string => `'${v.replace(/'/g, "''")}'`;

interface OpenTransaction {
  readonly statements: string[];
  readonly context: ClientContext;
  /** PREPAREs the step runs first (the client's, made before this transaction, and ours for parameters). */
  readonly prepared: Map<string, string>;
  /** Prepared statements that exist at the end of the step (deallocated there, so the replay keeps none). */
  readonly live: Set<string>;
  writes: boolean;
  unrecordable?: string;
}

export class ServedWriteRecorder {
  #tx: OpenTransaction | undefined;
  readonly #ended: { statements: string[]; end: 'COMMIT' | 'ROLLBACK' }[] = [];
  readonly #unrecorded: string[] = [];
  /** SQL-level prepared statements the client holds (name → PREPARE text), for steps that EXECUTE them. */
  readonly #prepared = new Map<string, string>();
  #serial = 0;

  constructor(private readonly context: () => ClientContext) {}

  /** The client's SQL-level prepared statements when its turn began (they outlive transactions). */
  knowPrepared(prepared: ReadonlyMap<string, string>): void {
    for (const [name, text] of prepared) this.#prepared.set(name, text);
  }

  /**
   * What one round trip ran, in order, and how it ended: `failed` (an error stopped it) and the transaction status
   * after it. Status 'I' ends the transaction: committed unless it failed outside a transaction block or ended
   * with ROLLBACK.
   */
  ran(statements: readonly RanStatement[], end: { readonly failed: boolean; readonly status: 'I' | 'T' | 'E' }): void {
    for (const s of statements) this.#one(s);
    if (end.status !== 'I') return;
    this.#end(end.failed ? 'ROLLBACK' : 'COMMIT');
  }

  /** The SQL of the step for the transactions ended since the last call, and why any were not recorded. */
  take(): { sql?: string; unrecorded: readonly string[] } {
    const txs = this.#ended.splice(0);
    const unrecorded = this.#unrecorded.splice(0);
    if (!txs.length) return { unrecorded };
    const only = txs[0]!;
    if (txs.length === 1 && only.end === 'COMMIT' && only.statements.length === 1) return { sql: `${only.statements[0]!};`, unrecorded };
    return { sql: txs.map((t) => ['BEGIN;', ...t.statements.map((s) => `${s};`), `${t.end};`].join('\n')).join('\n'), unrecorded };
  }

  #open(): OpenTransaction {
    this.#tx ??= { statements: [], context: this.context(), prepared: new Map(), live: new Set(), writes: false };
    return this.#tx;
  }

  #one(s: RanStatement): void {
    const word = s.tag.split(' ')[0];
    if (s.continued) {
      if (isWriteTag(s.tag, s.sql)) this.#open().writes = true;
      return;
    }
    // prepared statements outlive transactions (even rolled-back ones): follow them whatever happens next
    const made = word === 'PREPARE' ? preparedName(s.sql) : undefined;
    const gone = word === 'DEALLOCATE' ? deallocated(s.sql, [...this.#prepared.keys()]) : [];
    if (made) this.#prepared.set(made, s.sql);
    for (const g of gone) this.#prepared.delete(g);
    if (made) this.#open().live.add(made);
    for (const g of gone) this.#tx?.live.delete(g);
    if (word === 'BEGIN' || word === 'START') return void this.#open();
    if (word === 'COMMIT') return this.#end('COMMIT');
    if (word === 'ROLLBACK' && !/^rollback\b[^;]*?\bto\b/i.test(s.sql)) return this.#end('ROLLBACK');
    const tx = this.#open();
    if (s.unrecordable) tx.unrecordable ??= s.unrecordable;
    const executes = executedName(s.sql);
    if (executes && !tx.live.has(executes) && !tx.prepared.has(executes)) {
      const text = this.#prepared.get(executes);
      if (text) {
        tx.prepared.set(executes, text);
        tx.live.add(executes);
      } else tx.unrecordable ??= `EXECUTE of "${executes}", prepared before the server could see it`;
    }
    const local = localStatement(s.sql);
    if (local !== undefined) tx.statements.push(s.params?.values.length ? this.#parameterised(tx, local, s.params) : local);
    // nextval() in a read draws a value too: the replay must draw it
    if (isWriteTag(s.tag, s.sql) || /\bnextval\s*\(/i.test(s.sql)) tx.writes = true;
  }

  /** `EXECUTE _served_n('v', …)`, with `PREPARE _served_n(types) AS <sql>` kept for the step's start. */
  #parameterised(tx: OpenTransaction, sql: string, p: NonNullable<RanStatement['params']>): string {
    const types = p.types.some((t) => t) ? `(${p.values.map((_, i) => p.types[i] || 'unknown').join(', ')})` : '';
    const text = (n: string) => `PREPARE ${n}${types} AS ${sql}`;
    let name = [...tx.prepared].find(([n, t]) => n.startsWith('_served_') && t === text(n))?.[0];
    if (!name) {
      name = `_served_${++this.#serial}`;
      tx.prepared.set(name, text(name));
      tx.live.add(name);
    }
    return `EXECUTE ${name}(${p.values.map((v) => (v === null ? 'NULL' : literal(v))).join(', ')})`;
  }

  #end(end: 'COMMIT' | 'ROLLBACK'): void {
    const tx = this.#tx;
    this.#tx = undefined;
    if (!tx?.writes) return;
    if (tx.unrecordable) {
      if (end === 'COMMIT') this.#unrecorded.push(tx.unrecordable);
      return;
    }
    const settings = [...tx.context.settings].filter(([n]) => !IRRELEVANT.has(n));
    const prefix = settings.length ? [`SELECT ${settings.map(([n, v]) => `pg_catalog.set_config(${literal(n)}, ${literal(v)}, true)`).join(', ')}`] : [];
    // prepared statements are not transactional: they exist in the replayed session for this step only
    const statements = [...prefix, ...tx.prepared.values(), ...tx.statements, ...[...tx.live].map((n) => `DEALLOCATE ${ident(n)}`)];
    this.#ended.push({ statements, end });
  }
}

/** A name as SQL writes it: bare when PostgreSQL would fold it to itself, else double-quoted. */
export const ident = (name: string): string => (/^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replace(/"/g, '""')}"`);

/** The prepared statements `DEALLOCATE …` removes, of those in `known`. */
function deallocated(sql: string, known: readonly string[]): string[] {
  const rest = sql.trim().replace(/^deallocate\s+(?:prepare\s+)?/i, '');
  if (/^all\s*$/i.test(rest)) return [...known];
  const name = preparedName(`PREPARE ${rest} AS x`);
  return name ? [name] : [];
}

/**
 * The statement as it runs inside the step's own transaction, or undefined to leave it out: session SETs become
 * SET LOCAL (RESET x becomes SET LOCAL x TO DEFAULT); SET TRANSACTION and SET SESSION CHARACTERISTICS only shape
 * transactions the replay does not have.
 */
export function localStatement(sql: string): string | undefined {
  const s = sql.trim();
  if (/^set\s+(?:transaction|session\s+characteristics)\b/i.test(s)) return undefined;
  if (/^set\s+(?:local|constraints)\b/i.test(s)) return s;
  const session = /^set\s+session\s+(?!authorization\b)/i.exec(s);
  if (session) return `SET LOCAL ${s.slice(session[0].length)}`;
  if (/^set\s+session\s+authorization\b/i.test(s)) return `SET LOCAL ${s.replace(/^set\s+session\s+/i, 'SESSION ')}`;
  if (/^set\s/i.test(s)) return `SET LOCAL ${s.replace(/^set\s+/i, '')}`;
  const reset = /^reset\s+(?!all\b)(.+)$/is.exec(s);
  if (reset) return /^session\s+authorization$/i.test(reset[1]!.trim()) ? 'SET LOCAL SESSION AUTHORIZATION DEFAULT' : `SET LOCAL ${reset[1]!.trim()} TO DEFAULT`;
  return s;
}
