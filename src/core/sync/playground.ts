/**
 * A playground: one hub and N replicas, each its own database behind a SqlPort. The entry point of the engine.
 *
 *   const pg = await Playground.create({ hub, replicas: [{ name: 'A', db: a }, { name: 'B', db: b }], clock });
 *   await pg.applySchema('CREATE TABLE todo (id int PRIMARY KEY, title text, done bool)');
 *   await pg.replica('A').exec(`INSERT INTO todo VALUES (1, 'milk', false)`);   // captured into A's oplog
 *   for await (const e of pg.sync('A')) console.log(e.type);                     // or: await pg.syncToEnd('A')
 *
 * All state lives in the databases (`_sync` schemas), so `Playground.open()` on the same databases continues
 * where a previous process stopped: queues, cursors, clocks, rules, conflicts and the timeline.
 */
import type { Queryable, SqlPort } from '../sql';
import { Disposable } from '../dispose';
import { InvalidInputError } from '../errors';
import { SIMULATION_START_MS, SimulatedClock, type Clock } from './clock';
import type { ManualResolutionEvent, SyncEvent, SyncSummary, TimelineEvent } from './events';
import type {
  ConflictRecord,
  ConflictRule,
  ConflictType,
  ManualChoice,
  ResolutionPreview,
  Strategy,
  TableRef,
  TrackedTable,
} from './types';
import { STRATEGIES } from './types';
import { installReplicaSchema, Replica } from './replica';
import { HUB_SCHEMA_SQL, REPLICA_UPGRADE_SQL, SYNC_FORMAT } from './schemaSql';
import { alteredTables, discoverTables, dropReplicaCaptureSql, hubCaptureSql, hubTriggerFunctionsSql, loadTables, orderTables, pkJson, registerTables, replicaCaptureSql, updateRegisteredColumns, type TableEntry } from './tracking';
import { qualified } from './ident';
import { strategyFor, toTableRef, validateRules } from './rules';
import { runSync } from './sync';
import { applyPulled, hasChanges, readChanges } from './pull';
import { appendEvents, readTimeline, upgradeTimeline } from './timeline';
import { previewResolution, readConflicts, resolveManually } from './conflicts';
import { discardOp, flushRefreshRequests, type DiscardOutcome } from './discard';
import { installReplica, recordSchema, unregisterReplica, type NewReplica } from './addReplica';
import { linkWait, ReplicaLinks, toLinkConditions, type LinkConditions, type LinkWait } from './replicaLink';

/** One replica to create. */
export type { ReplicaSpec, PlaygroundSettings, CreateOptions, OpenOptions, SyncOptions, TimelineQuery, ConflictQuery } from './playgroundOptions';
import type { PlaygroundSettings, CreateOptions, OpenOptions, SyncOptions, TimelineQuery, ConflictQuery } from './playgroundOptions';

const REPLICA_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}$/;

const DEFAULTS: PlaygroundSettings = { defaultStrategy: 'last_writer_wins', batchSize: 500, maxRetries: 3 };

export class Playground extends Disposable {
  #tables: TableEntry[];
  #rules: ConflictRule[];
  readonly #replicas: Replica[];
  readonly #running = new Set<string>();
  readonly #links = new ReplicaLinks();

  private constructor(
    readonly hub: SqlPort,
    readonly clock: Clock,
    readonly settings: PlaygroundSettings,
    replicas: (db: Playground) => Replica[],
    tables: TableEntry[],
    rules: ConflictRule[],
  ) {
    super();
    this.#tables = tables;
    this.#rules = rules;
    this.#replicas = replicas(this);
  }

  /** Installs `_sync` on the hub and every replica (fresh databases) and registers the replicas at the hub. */
  static async create(options: CreateOptions): Promise<Playground> {
    const settings: PlaygroundSettings = {
      defaultStrategy: options.defaultStrategy ?? DEFAULTS.defaultStrategy,
      batchSize: options.batchSize ?? DEFAULTS.batchSize,
      maxRetries: options.maxRetries ?? DEFAULTS.maxRetries,
    };
    validateSettings(settings);
    const rules = [...(options.rules ?? [])];
    validateRules(rules);
    const names = options.replicas.map((r) => r.name);
    names.forEach((n, i) => {
      if (!REPLICA_NAME.test(n) || n === 'hub') {
        throw new InvalidInputError(
          `Replica name "${n}" is not allowed: use 1-63 letters, digits, "_", "-" or "." (and not "hub").`,
          `replicas[${i}].name`,
        );
      }
    });
    if (new Set(names).size !== names.length) throw new InvalidInputError('Replica names must be unique.', 'replicas');
    const clock = options.clock ?? new SimulatedClock();
    // the hub and each replica are separate databases (workers): set up at once, all settled before returning
    const setups = await Promise.allSettled([
      options.hub.transaction(async (tx) => {
        await tx.exec(HUB_SCHEMA_SQL);
        await tx.query(`INSERT INTO _sync.clock (node) VALUES ('hub')`);
        await tx.query(
          `INSERT INTO _sync.meta VALUES ('format', to_jsonb($1::int)), ('settings', $2::jsonb), ('clock_ms', to_jsonb($3::bigint))`,
          [SYNC_FORMAT, JSON.stringify(settings), clock.now()],
        );
        await tx.query(`INSERT INTO _sync.replicas (name, ord) SELECT n, i FROM unnest($1::text[]) WITH ORDINALITY u(n, i)`, [names]);
        await storeRules(tx, rules);
      }),
      ...options.replicas.map((spec) => spec.db.transaction((tx) => installReplicaSchema(tx, spec.name, Math.trunc(spec.clockSkewMs ?? 0)))),
    ]);
    for (const x of setups) if (x.status === 'rejected') throw x.reason;
    const pg: Playground = new Playground(
      options.hub,
      clock,
      settings,
      (p) => options.replicas.map((spec) => new Replica(spec.name, spec.db, clock, () => p.#tables, { online: true, skewMs: Math.trunc(spec.clockSkewMs ?? 0) })),
      [],
      rules,
    );
    return pg;
  }

  /** Re-opens a playground from its databases. */
  static async open(options: OpenOptions): Promise<Playground> {
    const meta = await options.hub
      .query<{ key: string; value: unknown }>(`SELECT key, value FROM _sync.meta`)
      .catch((e: unknown) => {
        throw new InvalidInputError(`The hub holds no playground (no _sync schema): ${(e as Error).message}`, 'hub');
      });
    const m = new Map(meta.rows.map((r) => [r.key, r.value]));
    if (m.get('role') !== 'hub') throw new InvalidInputError('This database is not a playground hub.', 'hub');
    if (m.get('format') !== SYNC_FORMAT) throw new InvalidInputError(`Playground format ${String(m.get('format'))} is not supported (expected ${SYNC_FORMAT}).`, 'hub');
    const settings = { ...DEFAULTS, ...(m.get('settings') as Partial<PlaygroundSettings>) };
    const clock = options.clock ?? new SimulatedClock(Number(m.get('clock_ms') ?? SIMULATION_START_MS));
    const names = (await options.hub.query<{ name: string }>('SELECT name FROM _sync.replicas ORDER BY ord')).rows.map((r) => r.name);
    const missing = names.filter((n) => !options.replicas[n]);
    if (missing.length) throw new InvalidInputError(`Missing database for replica ${missing.join(', ')}.`, 'replicas');
    const states = new Map<string, { online: boolean; skewMs: number }>();
    for (const n of names) {
      const db = options.replicas[n]!;
      const r = await db.query<{ name: unknown; online: unknown; skew: string }>(
        `SELECT (SELECT value FROM _sync.meta WHERE key = 'name') AS name, (SELECT value FROM _sync.meta WHERE key = 'online') AS online,
                (SELECT skew_ms FROM _sync.clock) AS skew`,
      );
      const row = r.rows[0]!;
      if (row.name !== n) throw new InvalidInputError(`The database given for replica ${n} belongs to replica ${String(row.name)}.`, `replicas.${n}`);
      states.set(n, { online: row.online !== false, skewMs: Number(row.skew) });
      await db.exec(REPLICA_UPGRADE_SQL);
    }
    await upgradeTimeline(options.hub);
    const tables = await loadTables(options.hub);
    // the current hub trigger bodies (they skip the engine's own writes, which record their versions themselves)
    await options.hub.transaction(async (tx) => {
      for (const t of tables) await tx.exec(hubTriggerFunctionsSql(t));
    });
    const rules = (await options.hub.query<{ rule: ConflictRule }>('SELECT rule FROM _sync.rules ORDER BY ord')).rows.map((r) => r.rule);
    return new Playground(
      options.hub,
      clock,
      settings,
      (p) => names.map((n) => new Replica(n, options.replicas[n]!, clock, () => p.#tables, states.get(n)!)),
      tables,
      rules,
    );
  }

  get replicas(): readonly Replica[] {
    return this.#replicas;
  }

  replica(name: string): Replica {
    const r = this.#replicas.find((x) => x.name === name);
    if (!r) throw new InvalidInputError(`No replica named "${name}" (replicas: ${this.#replicas.map((x) => x.name).join(', ')}).`, 'replica');
    return r;
  }

  /** The tables being synced, in FK order (parents first). */
  tables(): readonly TrackedTable[] {
    return this.#tables.map(({ id: _id, ...t }) => t);
  }

  /**
   * Runs user DDL on the hub, then on every replica, and starts tracking every new user table (capture triggers on
   * replicas, version tracking on the hub). Refuses tables without a primary key (InvalidInputError; the DDL is
   * rolled back on the hub). Rows the DDL inserts at the hub become version 1 there and reach replicas by pull.
   */
  async applySchema(sql: string): Promise<readonly TrackedTable[]> {
    await this.#touchHubClock();
    let altered: TableEntry[] = [];
    const added = await this.hub.transaction(async (tx) => {
      await tx.exec(sql);
      await recordSchema(tx, sql);
      const catalog = await discoverTables(tx);
      const found = catalog.filter((t) => !this.#tables.some((x) => x.schema === t.schema && x.name === t.name));
      const entries = orderTables(found).map((t, i) => ({ ...t, id: this.#tables.length + i + 1 }));
      altered = alteredTables(this.#tables, catalog);
      for (const t of altered) {
        await updateRegisteredColumns(tx, t);
        await tx.exec(hubTriggerFunctionsSql(t));
      }
      await registerTables(tx, entries);
      for (const t of entries) {
        await tx.exec(hubCaptureSql(t));
        await tx.query(
          `SELECT _sync.hub_record($1, w) FROM (SELECT jsonb_agg(jsonb_build_object('pk', ${pkJson(t, 'h')}, 'after', to_jsonb(h.*))) AS w
             FROM ${qualified(t)} h) x WHERE w IS NOT NULL`,
          [t.id],
        );
      }
      return entries;
    });
    // a tracked table whose columns the DDL changed: the engine writes and captures the new column list
    this.#tables = [...this.#tables.map((t) => altered.find((a) => a.id === t.id) ?? t), ...added];
    for (const r of this.#replicas) {
      await r.db.transaction(async (tx) => {
        await tx.exec(sql);
        for (const t of altered) {
          await updateRegisteredColumns(tx, t);
          await tx.exec(dropReplicaCaptureSql(t));
          await tx.exec(replicaCaptureSql(t));
        }
        await registerTables(tx, added);
        for (const t of added) await tx.exec(replicaCaptureSql(t));
      });
    }
    return added.map(({ id: _id, ...t }) => t);
  }

  /** Runs SQL on the hub, captured as hub writes (a person editing the hub). */
  async hubExec(sql: string): Promise<void> {
    await this.#touchHubClock();
    await this.hub.exec(sql);
  }

  /**
   * Sets the hub's physical time from the playground clock, as hubExec does before its SQL: for SQL that reaches
   * the hub another way (a client of the localhost server), so its writes are stamped like a `hub` step's.
   */
  tickHubClock(): Promise<void> {
    return this.#touchHubClock();
  }

  /** Runs SQL on the hub, then copies the hub's changes to every replica (pulled: not captured, versions recorded). */
  async seed(sql: string): Promise<void> {
    await this.hubExec(sql);
    for (const r of this.#replicas) {
      for (;;) {
        const changes = await readChanges(this.hub, r.name, await r.cursor(), this.settings.batchSize);
        if (!changes.length) break;
        await applyPulled(r.db, r.name, this.#tables, changes, this.#at(), this.clock.now());
      }
    }
  }

  rules(): readonly ConflictRule[] {
    return this.#rules;
  }

  /** Replaces the rules (stored at the hub). Validates them; `custom` functions must exist on the hub. */
  async setRules(rules: readonly ConflictRule[]): Promise<void> {
    validateRules(rules);
    for (const [i, r] of rules.entries()) {
      if (r.strategy !== 'custom') continue;
      const fn = toTableRef(r.function!);
      const ok = await this.hub.query<{ p: string | null }>(
        `SELECT to_regprocedure(format('%I.%I(jsonb, jsonb, jsonb, text)', $1::text, $2::text))::text AS p`,
        [fn.schema, fn.name],
      );
      if (!ok.rows[0]?.p) {
        throw new InvalidInputError(
          `Rule ${i + 1}: the hub has no function ${fn.schema}.${fn.name}(base jsonb, hub jsonb, incoming jsonb, conflict_type text) returning jsonb. Create it on the hub first.`,
          `rules[${i}].function`,
        );
      }
    }
    await this.hub.transaction((tx) => storeRules(tx, rules));
    this.#rules = [...rules];
  }

  /** The strategy that applies to a table and conflict type under the current rules. */
  strategyFor(table: TableRef | string, conflict: ConflictType): Strategy {
    return strategyFor(this.#rules, this.settings.defaultStrategy, toTableRef(table), conflict).strategy;
  }

  /** Takes a replica offline or online (recorded in its database and the timeline). */
  async setOnline(replica: string, online: boolean): Promise<void> {
    const r = this.replica(replica);
    await r.setOnlineState(online);
    await appendEvents(this.hub, [{ type: online ? 'replica_online' : 'replica_offline', at: this.#at(), replica }]);
  }

  /** Pushes the replica's queue and pulls the hub's changes, yielding events; returns the summary. */
  async *sync(replica: string, options: SyncOptions = {}): AsyncGenerator<SyncEvent, SyncSummary, void> {
    const r = this.replica(replica);
    if (this.#running.has(replica)) throw new InvalidInputError(`A sync of replica ${replica} is already running.`, 'replica');
    this.#running.add(replica);
    try {
      await this.#touchHubClock();
      // the replica's traffic to the hub goes through its link, if it has one (replicaLink.ts)
      const hub = this.#links.port(replica) ?? this.hub;
      // rows a person discarded ops of while offline: the hub sends them back with this sync's pull (discard.ts)
      if (r.online) await flushRefreshRequests(hub, r, this.#tables);
      return yield* runSync({
        hub, timeline: this.hub, replica: r, tables: this.#tables, rules: this.#rules, defaultStrategy: this.settings.defaultStrategy,
        maxRetries: this.settings.maxRetries, batchSize: options.batchSize ?? this.settings.batchSize, now: () => this.clock.now(),
        direction: options.direction ?? 'both', ...(options.loseAckAfterBatch !== undefined ? { loseAckAfterBatch: options.loseAckAfterBatch } : {}),
      });
    } finally {
      this.#running.delete(replica);
    }
  }

  /**
   * Sets the network conditions of a replica's link to the hub (its syncs go through it; its local writes do
   * not), or with null the perfect link; a `link_changed` event in the timeline unless `record` is false (a link
   * restored on re-open). `wait` is how latency passes: by default simulated time moves on.
   */
  async setLink(
    replica: string,
    conditions: Partial<LinkConditions> | null,
    options: { readonly wait?: LinkWait; readonly record?: boolean } = {},
  ): Promise<LinkConditions | undefined> {
    this.replica(replica);
    const c = conditions ? toLinkConditions(conditions) : undefined;
    this.#links.set(replica, c, this.hub, options.wait ?? linkWait(this.clock, false));
    if (options.record !== false) await appendEvents(this.hub, [{ type: 'link_changed', at: this.#at(), replica, ...(c ? { link: c } : {}) }]);
    return c;
  }

  /** A replica's link conditions; undefined: the perfect link. */
  link(replica: string): LinkConditions | undefined {
    return this.#links.conditions(this.replica(replica).name);
  }

  /** `sync()` run to the end. */
  async syncToEnd(replica: string, options?: SyncOptions): Promise<SyncSummary> {
    const it = this.sync(replica, options);
    for (;;) {
      const n = await it.next();
      if (n.done) return n.value;
    }
  }

  /** Syncs every online replica in order, repeating until nothing is left to do (max `rounds`, default 10). */
  async syncAll(rounds = 10): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      let more = false;
      for (const r of this.#replicas) {
        if (!r.online) continue;
        const s = await this.syncToEnd(r.name);
        more ||= s.moreToDo;
      }
      if (!more) {
        // one more pull round so every replica has every other replica's last changes
        let pending = false;
        for (const r of this.#replicas) if (r.online && (await hasChanges(this.hub, r.name, await r.cursor()))) pending = true;
        if (!pending) return;
      }
    }
  }

  /** Conflict log, in detection order. */
  conflicts(query: ConflictQuery = {}): Promise<readonly ConflictRecord[]> {
    return readConflicts(this.hub, this.#tables, query);
  }

  async conflict(id: number): Promise<ConflictRecord> {
    const [c] = await readConflicts(this.hub, this.#tables, { id });
    if (!c) throw new InvalidInputError(`No conflict #${id}.`, 'conflictId');
    return c;
  }

  /** What resolving a conflict would do, without doing it: by a person's choice, or by a strategy. */
  async preview(conflictId: number, how: ManualChoice | { readonly strategy: Strategy }): Promise<ResolutionPreview> {
    const c = await this.conflict(conflictId);
    return previewResolution(this.hub, this.#tables, this.#rules, this.settings.defaultStrategy, c, how);
  }

  /** Resolves a parked conflict. The op becomes `applied` (or `discarded` for `hub`) at the hub and, on its next sync, at the replica. */
  async resolve(conflictId: number, choice: ManualChoice): Promise<ManualResolutionEvent> {
    await this.#touchHubClock();
    const c = await this.conflict(conflictId);
    return resolveManually(this.hub, this.#tables, c, choice, this.#at());
  }

  /** The timeline, in order. */
  timeline(query: TimelineQuery = {}): Promise<readonly TimelineEvent[]> {
    return readTimeline(this.hub, query);
  }

  /** Op ids the hub has processed (applied, discarded, rejected or parked), in processing order. */
  async processedOpIds(): Promise<readonly string[]> {
    return (await this.hub.query<{ op_id: string }>('SELECT op_id FROM _sync.applied_ops ORDER BY ord')).rows.map((r) => r.op_id);
  }

  /**
   * Discards a `pending` or `failed` op of a replica: it is never pushed, and the replica's row goes back to what
   * it was before the op now, and to the hub's row on its next sync (discard.ts). Refused while that replica
   * syncs, and while later ops on the same row are queued (discard those first).
   */
  async discard(replica: string, opId: string): Promise<DiscardOutcome> {
    const r = this.replica(replica);
    if (this.#running.has(replica)) throw new InvalidInputError(`A sync of replica ${replica} is running: discard after it ends.`, 'replica');
    return discardOp({ hub: this.hub, replica: r, tables: this.#tables, at: this.#at() }, opId);
  }

  /**
   * Adds a replica to this live playground: a copy of the hub's tracked tables and rows, registered at the hub
   * with a cursor at its latest change (addReplica.ts). `schema` defaults to the DDL `applySchema` ran.
   */
  async addReplica(spec: NewReplica): Promise<Replica> {
    await this.#touchHubClock();
    await installReplica({ hub: this.hub, tables: this.#tables, existing: this.#replicas.map((x) => x.name), nowMs: this.clock.now() }, spec);
    const r = new Replica(spec.name, spec.db, this.clock, () => this.#tables, { online: true, skewMs: Math.trunc(spec.clockSkewMs ?? 0) });
    this.#replicas.push(r);
    return r;
  }

  /** Removes a replica: unregistered at the hub, its queued ops lost. Its database is the caller's to close. */
  async removeReplica(name: string): Promise<void> {
    const r = this.replica(name);
    if (this.#running.has(name)) throw new InvalidInputError(`A sync of replica ${name} is running: remove it after the sync ends.`, 'replica');
    // a replica whose database is broken can still be removed: the timeline then does not say what it lost
    const c = await r.counts().catch(() => undefined);
    await unregisterReplica(this.hub, name, { at: this.#at(), ...(c ? { lostOps: c.pending + c.sent + c.failed } : {}) });
    this.#replicas.splice(this.#replicas.indexOf(r), 1);
    this.#links.delete(name);
  }

  #at(): string {
    return new Date(this.clock.now()).toISOString();
  }

  async #touchHubClock(): Promise<void> {
    const now = this.clock.now();
    await this.hub.query(`UPDATE _sync.meta SET value = to_jsonb($1::bigint) WHERE key = 'clock_ms'`, [now]);
    await this.hub.query('UPDATE _sync.clock SET physical_ms = $1', [now]);
  }
}

function validateSettings(s: PlaygroundSettings): void {
  if (!STRATEGIES.includes(s.defaultStrategy)) throw new InvalidInputError(`Unknown default strategy "${s.defaultStrategy}".`, 'defaultStrategy');
  if (!Number.isInteger(s.batchSize) || s.batchSize < 1) throw new InvalidInputError('batchSize must be a positive integer.', 'batchSize');
  if (!Number.isInteger(s.maxRetries) || s.maxRetries < 1) throw new InvalidInputError('maxRetries must be a positive integer.', 'maxRetries');
  if (s.defaultStrategy === 'custom') throw new InvalidInputError('The default strategy cannot be "custom" (it needs a function): use a rule.', 'defaultStrategy');
}

async function storeRules(tx: Queryable, rules: readonly ConflictRule[]): Promise<void> {
  await tx.query('DELETE FROM _sync.rules');
  await tx.query(
    'INSERT INTO _sync.rules (ord, rule) SELECT i, r FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY e(r, i)',
    [JSON.stringify(rules)],
  );
}
