import { DbError, InvalidInputError } from '../errors';
import type { SqlPort } from '../sql';
import { SIMULATION_START_MS, SimulatedClock } from '../sync/clock';
import { displayName } from '../sync/ident';
import { Playground, type SyncOptions } from '../sync/playground';
import { SyncGaveUpError, syncAllOverLinks, type LinkSyncOptions } from '../sync/linkSync';
import { linkWait } from '../sync/replicaLink';
import { OP_STATUSES, type ConflictRule } from '../sync/types';
import { describeEvent } from './describeEvent';
import { checkExpectation, type ExpectationResult, type ExpectationState } from './expectations';
import { StepRecorder, type PlaygroundRecording } from './exportScenario';
import { ScenarioInvalidError } from './parseScenario';
import type { ConflictSummary, ScenarioRunResult, TimelineEntry } from './runResult';
import { customFunctionName, stepToJson, type Scenario, type ScenarioStep } from './scenarioModel';
import { rowsOf, snapshotTables, type TablesSnapshot } from './snapshot';
import { installedFunctions, stepRules } from './scenarioRules';
import { runSyncStep } from './syncStep';

/** How the runner gets databases. The caller composes it from src/db (the core imports no driver). */
export interface ScenarioRunOptions {
  /** A fresh, empty database; called once for the hub, then once per replica (and per addReplica step). The session closes each one. */
  openDatabase(): Promise<SqlPort>;
  /** Called with every timeline entry as it is recorded (live output, step mode in a UI). */
  onTimeline?(entry: TimelineEntry): void;
}

/** A step could not run (bad SQL in a step, resolving a conflict that is not open, …). */
export class ScenarioStepError extends Error {
  readonly reason = 'scenario-step' as const;
  constructor(
    message: string,
    readonly step: number,
    readonly line: number | undefined,
  ) {
    super(message);
    this.name = 'ScenarioStepError';
  }
  static is(e: unknown): e is ScenarioStepError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'scenario-step';
  }
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * A scenario being run: a playground on fresh databases, set up from the scenario's schema, seed and rules, that
 * executes steps one at a time on a simulated clock and records them (so a UI can step through it and export
 * what was done). Time starts at 2025-01-01T00:00:00Z and moves 1 ms after every step.
 */
export class ScenarioSession {
  readonly #recorder = new StepRecorder();
  readonly #timeline: TimelineEntry[] = [];
  readonly #expectations: ScenarioRunResult['expectations'][number][] = [];
  #lastSeq = 0;
  #closed = false;
  /** Custom function SQL already run on the hub (setup rules, earlier `rules` steps). */
  readonly #installed: Set<string>;

  private constructor(
    readonly scenario: Scenario,
    readonly playground: Playground,
    readonly clock: SimulatedClock,
    /** Open databases: the hub's and the replicas' (added ones join, removed ones leave closed). */
    private readonly databases: SqlPort[],
    private readonly options: ScenarioRunOptions,
  ) {
    this.#installed = installedFunctions(scenario.rules);
  }

  /**
   * Opens the databases and sets the playground up. Bad SQL in the schema, the seed or a custom function, and
   * tables that rules or expectations name but the schema does not create, throw ScenarioInvalidError before
   * any step runs; the databases are closed again.
   */
  static async start(scenario: Scenario, options: ScenarioRunOptions): Promise<ScenarioSession> {
    const file = scenario.fileName ?? `${scenario.name}.syncscenario.json`;
    const invalid = (path: string, msg: string) =>
      new ScenarioInvalidError(file, [{ path, line: scenario.lines?.[path], message: msg }]);
    const databases: SqlPort[] = [];
    try {
      const hub = await options.openDatabase();
      databases.push(hub);
      const replicas = [];
      for (const r of scenario.replicas) {
        const db = await options.openDatabase();
        databases.push(db);
        replicas.push({ name: r.name, db, clockSkewMs: r.clockSkewMs });
      }
      const clock = new SimulatedClock(SIMULATION_START_MS);
      const playground = await Playground.create({ hub, replicas, clock });
      const atSetup = async (path: string, what: string, fn: () => Promise<unknown>) => {
        try {
          await fn();
        } catch (e) {
          if (DbError.is(e) || InvalidInputError.is(e)) throw invalid(path, `${what} failed: ${message(e)}`);
          throw e;
        }
      };
      if (scenario.schema.trim()) await atSetup('schema', 'the schema SQL', () => playground.applySchema(scenario.schema));
      const tables = new Set(playground.tables().map((t) => displayName(t)));
      const rules: ConflictRule[] = [];
      const installed = new Set<string>(); // several rules may share one function
      for (const [i, r] of scenario.rules.entries()) {
        if (r.table !== undefined && !tables.has(r.table)) {
          throw invalid(`rules[${i}]`, `rule names table "${r.table}", which the schema does not create (tables: ${[...tables].join(', ')})`);
        }
        const fn = r.function !== undefined ? customFunctionName(r.function) : undefined;
        if (r.function !== undefined && !installed.has(r.function)) {
          installed.add(r.function);
          await atSetup(`rules[${i}]`, 'the custom function SQL', () => hub.exec(r.function!));
        }
        const [schema, name] = r.table?.includes('.') ? r.table.split('.', 2) : ['public', r.table];
        rules.push({
          ...(r.table !== undefined ? { table: { schema: schema!, name: name! } } : {}),
          ...(r.conflict !== undefined ? { conflict: r.conflict } : {}),
          strategy: r.strategy,
          ...(fn ? { function: fn } : {}),
        });
      }
      await atSetup('rules', 'setting the rules', () => playground.setRules(rules));
      for (const [i, s] of scenario.steps.entries()) {
        if (s.kind === 'rules') {
          const unknown = s.rules.find((r) => r.table !== undefined && !tables.has(r.table));
          if (unknown) throw invalid(`steps[${i}]`, `rule names table "${unknown.table}", which the schema does not create (tables: ${[...tables].join(', ')})`);
        }
        if (s.kind !== 'expect') continue;
        const named = [...Object.keys(s.expect.hub ?? {}), ...Object.values(s.expect.replicas ?? {}).flatMap((t) => Object.keys(t))];
        const unknown = named.find((t) => !tables.has(t));
        if (unknown !== undefined) throw invalid(`steps[${i}]`, `expect names table "${unknown}", which the schema does not create (tables: ${[...tables].join(', ')})`);
      }
      if (scenario.seed.trim()) await atSetup('seed', 'the seed SQL', () => playground.seed(scenario.seed));
      const session = new ScenarioSession(scenario, playground, clock, databases, options);
      // Setup events (the seed's copy to the replicas) are not steps: the timeline starts with step 0.
      session.#lastSeq = (await playground.timeline()).at(-1)?.seq ?? 0;
      return session;
    } catch (e) {
      await Promise.allSettled(databases.map((d) => d.close()));
      throw e;
    }
  }

  /** The steps executed so far, in order. */
  get steps(): readonly ScenarioStep[] {
    return this.#recorder.steps;
  }

  /** The playground so far as a recording, for exportScenario. */
  recording(): PlaygroundRecording {
    const s = this.scenario;
    return { name: s.name, schema: s.schema, seed: s.seed, replicas: s.replicas, rules: s.rules, steps: this.steps };
  }

  /**
   * Executes one step, records it, and advances the clock by 1 ms. Throws ScenarioStepError when the step cannot
   * run; expectations that do not hold are results, not errors.
   */
  async runStep(step: ScenarioStep): Promise<readonly ExpectationResult[]> {
    const index = this.#recorder.steps.length;
    const line = this.scenario.lines?.[`steps[${index}]`];
    this.#recorder.record(step);
    const at = new Date(this.clock.now()).toISOString();
    let results: ExpectationResult[] = [];
    try {
      results = await this.#execute(step, index);
    } catch (e) {
      const where = `step ${index}${line !== undefined ? ` (line ${line})` : ''}`;
      throw new ScenarioStepError(`${where} ${JSON.stringify(stepToJson(step))} failed: ${message(e)}`, index, line);
    } finally {
      await this.#collectTimeline(index);
      this.clock.advance(1);
    }
    this.#note(index, step, results, at);
    for (const r of results) this.#expectations.push({ ...r, step: index, ...(line !== undefined ? { line } : {}) });
    return results;
  }

  async #execute(step: ScenarioStep, index: number): Promise<ExpectationResult[]> {
    const pg = this.playground;
    this.#note(index, step);
    switch (step.kind) {
      case 'sql':
        await pg.replica(step.replica).exec(step.sql);
        return [];
      case 'offline':
      case 'online':
        await pg.setOnline(step.replica, step.kind === 'online');
        return [];
      case 'sync':
        await runSyncStep(pg, step, this.#linkOptions()).catch((e: unknown) => this.#gaveUp(e));
        return [];
      case 'syncAll':
        await syncAllOverLinks(pg, this.#linkOptions()).catch((e: unknown) => this.#gaveUp(e));
        return [];
      case 'link':
        await pg.setLink(step.replica, step.link, { wait: linkWait(this.clock, false) });
        return [];
      case 'rules': {
        const tables = new Set(pg.tables().map((t) => displayName(t)));
        await pg.setRules(await stepRules(step.rules, pg.hub, this.#installed, tables));
        return [];
      }
      case 'hub':
        await pg.hubExec(step.sql);
        return [];
      case 'discard':
        await pg.discard(step.replica, step.opId);
        return [];
      case 'addReplica': {
        const db = await this.options.openDatabase();
        try {
          await pg.addReplica({ name: step.replica, db, clockSkewMs: step.clockSkewMs ?? 0 });
        } catch (e) {
          await db.close().catch(() => undefined);
          throw e;
        }
        this.databases.push(db);
        return [];
      }
      case 'removeReplica': {
        const db = pg.replica(step.replica).db;
        await pg.removeReplica(step.replica);
        this.databases.splice(this.databases.indexOf(db), 1);
        await db.close();
        return [];
      }
      case 'advance':
        this.clock.advance(step.ms);
        return [];
      case 'resolve': {
        const open = await pg.conflicts({ open: true });
        const c = open[step.conflict];
        if (!c) throw new Error(`there is no open manual conflict #${step.conflict} (open: ${open.length})`);
        await pg.resolve(c.id, step.take);
        return [];
      }
      case 'expect':
        return checkExpectation(step.expect, await this.expectationState());
    }
  }

  /** The state expectations are checked against: every table, queue and the conflict types so far. */
  async expectationState(): Promise<ExpectationState> {
    const replicas: Record<string, { tables: TablesSnapshot; queue: Record<string, number> }> = {};
    for (const r of this.playground.replicas) {
      replicas[r.name] = { tables: await snapshotTables(r.db), queue: { ...(await r.counts()) } };
    }
    const conflicts = (await this.playground.conflicts()).map((c) => c.type);
    return { hub: await snapshotTables(this.playground.hub), replicas, conflicts };
  }

  /** The run so far as a result (final state, conflicts, timeline, expectation results). */
  async result(error?: string): Promise<ScenarioRunResult> {
    const state = await this.expectationState();
    const replicas: ScenarioRunResult['replicas'] = {};
    for (const r of this.playground.replicas) {
      const counts = state.replicas[r.name]!.queue;
      replicas[r.name] = {
        online: r.online,
        tables: rowsOf(state.replicas[r.name]!.tables),
        queue: Object.fromEntries(OP_STATUSES.map((s) => [s, counts[s] ?? 0])),
      };
    }
    const conflicts: ConflictSummary[] = (await this.playground.conflicts()).map((c) => ({
      type: c.type,
      table: displayName(c.table),
      key: c.pk,
      strategy: c.strategy,
      outcome: c.outcome,
      replica: c.replica,
    }));
    const expectations = [...this.#expectations];
    return {
      ok: error === undefined && expectations.every((x) => x.ok),
      name: this.scenario.name,
      ...(error !== undefined ? { error } : {}),
      hub: rowsOf(state.hub),
      replicas,
      conflicts,
      timeline: [...this.#timeline],
      expectations,
    };
  }

  /** Closes the databases the session opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.playground.dispose();
    await Promise.allSettled(this.databases.map((d) => d.close()));
  }

  /** Syncs over links: waits pass on the simulated clock only (retries are timeline events, see linkSync.ts). */
  #linkOptions(): Omit<LinkSyncOptions, keyof SyncOptions> {
    return { wait: linkWait(this.clock, false) };
  }

  /**
   * A sync that gave up on a flaky link is an outcome, not a broken step: its `sync_gave_up` event is in the
   * timeline, and the run goes on (expectations see the ops still queued). So a UI session whose sync gave up
   * exports to a file that replays.
   */
  #gaveUp(e: unknown): void {
    if (!SyncGaveUpError.is(e)) throw e;
  }

  #push(entry: TimelineEntry): void {
    this.#timeline.push(entry);
    this.options.onTimeline?.(entry);
  }

  /** The runner's own line for a step (before it runs), or its expectation summary (after). */
  #note(index: number, step: ScenarioStep, results?: readonly ExpectationResult[], at = new Date(this.clock.now()).toISOString()): void {
    if (results) {
      if (step.kind !== 'expect') return;
      const failed = results.filter((r) => !r.ok).length;
      this.#push({ step: index, at, type: 'step:expect', text: failed ? `${failed} of ${results.length} check(s) failed` : `${results.length} check(s) held` });
      return;
    }
    if (step.kind === 'expect') return;
    const replica = 'replica' in step ? { replica: step.replica } : {};
    const text =
      step.kind === 'sql' || step.kind === 'hub' ? step.sql.replace(/\s+/g, ' ').trim()
      : step.kind === 'rules' ? `rules: ${step.rules.map((r) => `${r.table ?? '*'}${r.conflict ? `/${r.conflict}` : ''} → ${r.strategy}`).join(', ') || 'none'}`
      : step.kind === 'discard' ? `discard ${step.opId}`
      : step.kind === 'addReplica' ? `add replica${step.clockSkewMs ? `, clock ${step.clockSkewMs > 0 ? '+' : ''}${step.clockSkewMs} ms` : ''}`
      : step.kind === 'removeReplica' ? 'remove replica'
      : step.kind === 'sync' && step.maxEvents !== undefined ? `sync, stopped after ${step.maxEvents} events`
      : step.kind === 'advance' ? `clock +${step.ms} ms`
      : step.kind === 'resolve' ? `resolve open conflict ${step.conflict}: take ${typeof step.take === 'string' ? step.take : JSON.stringify(step.take.row)}`
      : step.kind;
    this.#push({ step: index, at, type: `step:${step.kind}`, ...replica, text: step.comment ? `${text}  — ${step.comment}` : text });
  }

  async #collectTimeline(index: number): Promise<void> {
    for (const e of await this.playground.timeline({ afterSeq: this.#lastSeq })) {
      this.#lastSeq = e.seq;
      this.#push({ step: index, at: e.at, type: e.type, ...(e.replica !== 'hub' ? { replica: e.replica } : {}), text: describeEvent(e) });
    }
  }
}
