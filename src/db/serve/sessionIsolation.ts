/**
 * Gives each client of the localhost server a session of its own on top of the database's one PostgreSQL session.
 *
 * - Settings (SET, RESET, set_config, and the client's startup parameters): the client's values are applied when
 *   it gets the session and set back to what they were (the extension's) when its turn ends; the server reads
 *   them again after a transaction that may have changed them.
 * - SQL prepared statements (PREPARE): kept by text, deallocated when the turn ends, prepared again at its next.
 * - Temporary objects and session-level advisory locks cannot move between clients: the ones a client made are
 *   dropped or released when its transaction ends, with a WARNING that says so.
 *
 * The session is only looked at around statements whose text can change it (sessionEffects), so a plain INSERT
 * costs no extra round trip. Objects the extension had before the turn (its temporary tables, locks, prepared
 * statements, settings) are recorded first and never touched.
 */
import { prepareStatementIn, sessionEffects } from '../../core/serve/sessionStatements';
import { closeMessage } from './extendedProtocol';
import { runInternal, type InternalQuery } from './internalQuery';
import type { ProtocolExec } from './protocolTarget';
import { syncMessage, type TxStatus } from './wireMessages';

const SETTINGS: InternalQuery = { sql: `SELECT name, pg_catalog.current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session'` };
const custom = (names: Iterable<string>): InternalQuery => ({
  sql: 'SELECT n, pg_catalog.current_setting(n, true) FROM jsonb_array_elements_text($1::jsonb) AS n',
  params: [JSON.stringify([...names])],
});
const OBJECTS: InternalQuery = {
  sql: `SELECT
    (SELECT coalesce(jsonb_object_agg(c.oid::text, jsonb_build_array(c.relkind, c.oid::regclass::text)), '{}')
       FROM pg_catalog.pg_class c WHERE c.relnamespace = pg_catalog.pg_my_temp_schema() AND c.relkind IN ('r', 'p', 'v', 'S', 'f'))::text,
    (SELECT coalesce(jsonb_agg(concat_ws(':', l.classid, l.objid, l.objsubid, l.mode)), '[]')
       FROM pg_catalog.pg_locks l WHERE l.locktype = 'advisory' AND l.pid = pg_catalog.pg_backend_pid() AND l.granted)::text,
    (SELECT coalesce(jsonb_object_agg(p.name, p.statement), '{}') FROM pg_catalog.pg_prepared_statements p WHERE p.from_sql)::text`,
};

interface Objects {
  /** oid → [relkind, name] */
  readonly temp: Record<string, [string, string]>;
  /** "classid:objid:objsubid:mode" */
  readonly locks: readonly string[];
  /** name → the query text it came in */
  readonly prepared: Record<string, string>;
}

interface Turn {
  /** Setting values before the client's (undefined: not set in the session, RESET restores it). */
  readonly base: Map<string, string | null>;
  /** All session settings were read (not only the client's). */
  full: boolean;
  objects?: Objects;
  settingsDirty: boolean;
  objectsDirty: boolean;
  /** Settings applied for the client when the turn began. */
  readonly applied: ReadonlySet<string>;
  /** Every setting seen set during the turn. Both are set back at the turn's end. */
  readonly touched: Set<string>;
}

function objectsOf(row: readonly (string | null)[] | undefined): Objects {
  return {
    temp: JSON.parse(row?.[0] ?? '{}') as Objects['temp'],
    locks: JSON.parse(row?.[1] ?? '[]') as string[],
    prepared: JSON.parse(row?.[2] ?? '{}') as Objects['prepared'],
  };
}

/** SQL that releases one advisory lock as often as it is held. */
function unlock(key: string): InternalQuery {
  const [classid, objid, objsubid, mode] = key.split(':');
  const fn = mode === 'ShareLock' ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock';
  const single = objsubid === '1';
  const args = single ? '$1::bigint' : '$1::int4, $2::int4';
  const params = single
    ? [BigInt.asIntN(64, (BigInt(classid!) << 32n) | BigInt(objid!)).toString()]
    : [String(Number(classid) | 0), String(Number(objid) | 0)];
  return {
    sql: `WITH RECURSIVE u(held) AS (SELECT pg_catalog.${fn}(${args}) UNION ALL SELECT pg_catalog.${fn}(${args}) FROM u WHERE held) SELECT count(*) FROM u`,
    params,
  };
}

export class SessionIsolation {
  /** The client's session settings (name → value), applied whenever it gets the session. */
  readonly settings: Map<string, string>;
  /** The client's SQL prepared statements (name → PREPARE text), prepared again whenever it gets the session. */
  readonly prepared = new Map<string, string>();
  /** Custom settings the client named ("app.user"): pg_settings does not list them. */
  readonly #custom = new Set<string>();
  #turn: Turn | undefined;

  constructor(startup: ReadonlyMap<string, string> = new Map()) {
    this.settings = new Map(startup);
    for (const n of startup.keys()) if (n.includes('.')) this.#custom.add(n);
  }

  /** The client's turn starts: its settings and prepared statements are put in place. Throws on a bad setting. */
  async enter(exec: ProtocolExec): Promise<void> {
    const turn: Turn = { base: new Map(), full: false, settingsDirty: false, objectsDirty: false, applied: new Set(this.settings.keys()), touched: new Set() };
    this.#turn = turn;
    const queries: InternalQuery[] = [];
    if (this.settings.size) {
      // the value before (current_setting runs first in each row), then the client's
      queries.push({
        sql: 'SELECT s.key, pg_catalog.current_setting(s.key, true), pg_catalog.set_config(s.key, s.value, false) FROM jsonb_each_text($1::jsonb) AS s',
        params: [JSON.stringify(Object.fromEntries(this.settings))],
      });
    }
    if (this.prepared.size) queries.push(OBJECTS); // before they are prepared again: they are the client's, not the session's
    if (!queries.length) return;
    const results = await runInternal(exec, queries);
    if (this.settings.size) for (const [n, v] of results[0] ?? []) turn.base.set(n!, v);
    if (this.prepared.size) {
      turn.objects = objectsOf(results.at(-1)?.[0]);
      for (const [name, text] of this.prepared) {
        // a statement that no longer prepares (its table dropped) is gone: EXECUTE then says it does not exist
        await runInternal(exec, [{ sql: text }]).catch(() => this.prepared.delete(name));
      }
    }
  }

  /** Before a round trip runs `texts`: reads what it may change, so that the turn's end can tell what is new. */
  async beforeBatch(exec: ProtocolExec, texts: readonly string[], status: TxStatus): Promise<void> {
    const turn = this.#turn;
    if (!turn) return;
    let settings = false;
    let objects = false;
    for (const t of texts) {
      const e = sessionEffects(t);
      settings ||= e.settings;
      objects ||= e.objects;
      for (const n of e.customSettings) this.#custom.add(n);
    }
    turn.settingsDirty ||= settings;
    turn.objectsDirty ||= objects;
    if (status === 'E') return; // a failed transaction runs nothing until it is rolled back
    const readSettings = settings && !turn.full;
    const readObjects = objects && !turn.objects;
    if (!readSettings && !readObjects) return;
    const queries = [...(readSettings ? [SETTINGS, custom(this.#custom)] : []), ...(readObjects ? [OBJECTS] : [])];
    const results = await runInternal(exec, queries, status === 'T');
    if (readSettings) {
      // the client's own values were recorded at enter(); the rest are the extension's
      for (const [n, v] of [...results[0]!, ...results[1]!]) if (!turn.base.has(n!)) turn.base.set(n!, v);
      turn.full = true;
    }
    if (readObjects) turn.objects = objectsOf(results.at(-1)?.[0]);
  }

  /**
   * The client's transaction ended (ReadyForQuery 'I'). Reads its settings again if it may have changed them, and
   * drops the temporary objects and releases the session advisory locks it made. Returns warnings for the client.
   */
  async transactionEnded(exec: ProtocolExec): Promise<string[]> {
    const turn = this.#turn;
    if (!turn || (!turn.settingsDirty && !(turn.objectsDirty && turn.objects))) return [];
    const readSettings = turn.settingsDirty;
    const readObjects = turn.objectsDirty && turn.objects !== undefined;
    turn.settingsDirty = false;
    turn.objectsDirty = false;
    const results = await runInternal(exec, [...(readSettings ? [SETTINGS, custom(this.#custom)] : []), ...(readObjects ? [OBJECTS] : [])]);
    if (readSettings) this.#readSettings([...results[0]!, ...results[1]!], turn);
    return readObjects ? this.#cleanUp(exec, objectsOf(results.at(-1)?.[0]), turn.objects!) : [];
  }

  #readSettings(rows: readonly (string | null)[][], turn: Turn): void {
    const next = new Map<string, string>();
    for (const [n, v] of rows) {
      if (!n || v === null || (v === '' && !turn.base.get(n))) continue; // a custom setting never set, or reset
      turn.touched.add(n);
      if (this.settings.has(n) || turn.base.get(n) !== v) next.set(n, v);
    }
    this.settings.clear();
    for (const [n, v] of next) this.settings.set(n, v);
  }

  async #cleanUp(exec: ProtocolExec, now: Objects, before: Objects): Promise<string[]> {
    const warnings: string[] = [];
    const temp = Object.entries(now.temp).filter(([oid]) => !before.temp[oid]);
    const locks = now.locks.filter((k) => !before.locks.includes(k));
    // views first: a view on a temporary table goes with it (CASCADE) but never the other way round
    const order = (kind: string) => (kind === 'v' ? 0 : kind === 'S' ? 2 : 1);
    const drops = temp
      .sort(([, a], [, b]) => order(a[0]) - order(b[0]))
      .map(([, [kind, name]]) => ({ sql: `DROP ${kind === 'v' ? 'VIEW' : kind === 'S' ? 'SEQUENCE' : kind === 'f' ? 'FOREIGN TABLE' : 'TABLE'} IF EXISTS ${name} CASCADE` }));
    if (drops.length || locks.length) await runInternal(exec, [...drops, ...locks.map(unlock)]);
    if (temp.length) {
      const names = temp.map(([, [, n]]) => n.replace(/^pg_temp_\d+\./, ''));
      warnings.push(
        `temporary ${names.length === 1 ? 'object' : 'objects'} ${names.join(', ')} dropped at the end of the transaction: this playground server shares one PostgreSQL session among its clients, so temporary objects last one transaction (create them inside BEGIN … COMMIT, or use regular tables)`,
      );
    }
    if (locks.length) {
      warnings.push(
        `${locks.length === 1 ? 'a session-level advisory lock was' : `${locks.length} session-level advisory locks were`} released at the end of the transaction: this playground server shares one PostgreSQL session among its clients (use pg_advisory_xact_lock, held until COMMIT)`,
      );
    }
    // SQL prepared statements made since the turn began are the client's (with the ones enter() prepared again)
    this.prepared.clear();
    for (const [name, text] of Object.entries(now.prepared)) {
      if (before.prepared[name] !== undefined) continue;
      const prepare = prepareStatementIn(text, name);
      if (prepare) this.prepared.set(name, prepare);
      else warnings.push(`prepared statement "${name}" cannot be kept for this client's next transaction (its PREPARE was not found in "${text.slice(0, 80)}")`);
    }
    return warnings;
  }

  /**
   * The client's turn ends: its prepared statements are put away, and every setting it touched is set back to
   * the value the session had before (or reset), so neither the extension nor the next client sees it.
   */
  async leave(exec: ProtocolExec): Promise<void> {
    const turn = this.#turn;
    this.#turn = undefined;
    if (!turn) return;
    const closes = [...this.prepared.keys()].map((n) => closeMessage('S', n)); // Close 'S' also frees SQL-level ones
    if (closes.length) await exec(Buffer.concat([...closes, syncMessage()]));
    const names = [...new Set([...turn.touched, ...turn.applied, ...this.settings.keys()])].filter(
      // a value the client never changed during the turn and that equals the one before needs nothing
      (n) => turn.touched.has(n) || this.settings.get(n) !== turn.base.get(n),
    );
    if (!names.length) return;
    // reset first (set_config with NULL is RESET: the default comes back as a default, not a session value), then
    // the value from before where it differs: what the extension had set comes back
    const before = JSON.stringify(Object.fromEntries(names.map((n) => [n, turn.base.get(n) ?? null])));
    const restore = (values: string): InternalQuery => ({
      sql: `SELECT count(CASE WHEN pg_catalog.set_config(s.key, NULL, false) IS DISTINCT FROM s.value
                              THEN pg_catalog.set_config(s.key, s.value, false) END)
              FROM jsonb_each_text($1::jsonb) AS s`,
      params: [values],
    });
    await runInternal(exec, [restore(before)]).catch(async () => {
      // one setting that cannot be set back must not keep the others from it
      for (const n of names) await runInternal(exec, [restore(JSON.stringify({ [n]: turn.base.get(n) ?? null }))]).catch(() => undefined);
    });
  }

  /** DISCARD ALL / DEALLOCATE ALL for this client: forgets its prepared statements (and, for DISCARD, settings). */
  async forget(exec: ProtocolExec, what: 'discard all' | 'deallocate all'): Promise<void> {
    const closes = [...this.prepared.keys()].map((n) => closeMessage('S', n));
    this.prepared.clear();
    if (closes.length) await exec(Buffer.concat([...closes, syncMessage()]));
    if (what === 'discard all') this.settings.clear();
  }
}
