import { Disposable } from '../dispose';
import { Emitter } from '../emitter';
import { InvalidInputError } from '../errors';
import type { PlaygroundRecording } from '../scenario/exportScenario';
import { replicasAfter, resolveTakeOf, type ScenarioRule, type ScenarioStep } from '../scenario/scenarioModel';
import type { QueryResult, SqlPort } from '../sql';
import { SIMULATION_START_MS, SimulatedClock } from '../sync/clock';
import type { SyncEvent, SyncSummary, TimelineEvent } from '../sync/events';
import { Playground, type TimelineQuery } from '../sync/playground';
import { choiceFromPreview, type ConflictRecord, type ManualChoice, type Op, type ResolutionPreview, type Strategy } from '../sync/types';
import type { DiscardOutcome } from '../sync/discard';
import { displayName } from '../sync/ident';
import { installedFunctions, stepRules } from '../scenario/scenarioRules';
import { runSyncStep } from '../scenario/syncStep';
import { SyncGaveUpError, syncAllOverLinks, syncOverLink, type LinkSyncOptions } from '../sync/linkSync';
import { linkWait, toLinkConditions, type LinkConditions, type LinkWait } from '../sync/replicaLink';
import type { SyncRetryEvent } from '../sync/retrySync';
import { buildSnapshot, type PlaygroundSnapshot } from './playgroundSnapshot';
import type { PlaygroundSetup } from './playgroundSetup';
import { SyncStepper, type StepState } from './syncStepper';
import { replicaNameProblem } from './replicaNames';
import { HUB, withDatabases, type PlaygroundDatabases } from './sessionDatabases';
export { HUB, type PlaygroundDatabases }; // where the other modules import them from

/** Statements that only read: run on the hub as they are, so their rows come back. */
const READ_ONLY = /^\s*(select|table|show|explain|values)\b/i;

/**
 * The playground a person works in: one engine Playground on persisted databases, plus everything the UI needs
 * around it — change events for the tree and panels, a step-mode sync, and a recording of every step taken (as
 * scenario steps), so "Export scenario" can write a file that reproduces it and "what if" can replay it.
 *
 * Time is simulated exactly as in a scenario run (starts at 2025-01-01T00:00:00Z, +1 ms after every step), so an
 * exported scenario replays to the same rows, HLCs and conflicts. Clock skew stays per replica.
 */
export class PlaygroundSession extends Disposable {
  readonly #onDidChange = this._register(new Emitter<void>());
  /** Fires after anything changed: a write, a sync event, a resolution, online state, rules. */
  readonly onDidChange = this.#onDidChange.event;
  /** A link's latency and the waits between retries are waited out (a person feels a slow link). Tests turn it off. */
  linkWaitsFelt = true;

  /** How the playground started; replicas added or removed since are steps. */
  readonly #setup: PlaygroundSetup;
  readonly #steps: ScenarioStep[];
  #stepper: SyncStepper | undefined;
  #closed = false;
  readonly #databases: SqlPort[];
  /** Custom function SQL run on the hub already (setup rules, rules steps): a repeated rule does not re-create it. */
  readonly #installed: Set<string>;

  private constructor(
    readonly playground: Playground,
    setup: PlaygroundSetup,
    steps: readonly ScenarioStep[],
    databases: readonly SqlPort[],
    private readonly dbs: PlaygroundDatabases,
  ) {
    super();
    this.#setup = setup;
    this.#steps = [...steps];
    this.#databases = [...databases];
    this.#installed = installedFunctions(setup.rules, steps);
  }

  /** A new playground on fresh databases (opened in parallel): schema, rules, then seed. */
  static async create(setup: PlaygroundSetup, dbs: PlaygroundDatabases): Promise<PlaygroundSession> {
    if (setup.replicas.length === 0) throw new InvalidInputError('A playground needs at least one replica.');
    const names = [HUB, ...setup.replicas.map((r) => r.name)];
    return withDatabases(dbs, names, true, async (ports) => {
      const [hub, ...replicaDbs] = ports;
      const playground = await Playground.create({
        hub,
        replicas: setup.replicas.map((r, i) => ({ name: r.name, db: replicaDbs[i]!, clockSkewMs: r.clockSkewMs })),
        clock: new SimulatedClock(SIMULATION_START_MS),
      });
      if (setup.schema.trim()) await playground.applySchema(setup.schema);
      await playground.setRules(await stepRules(setup.rules, hub, new Set(), new Set(playground.tables().map((t) => displayName(t)))));
      if (setup.seed.trim()) await playground.seed(setup.seed);
      return new PlaygroundSession(playground, setup, [], ports, dbs);
    });
  }

  /** Re-opens a stored playground; `recording` is what `recording()` returned when it was last saved. */
  static async open(recording: PlaygroundRecording, dbs: PlaygroundDatabases): Promise<PlaygroundSession> {
    const current = replicasAfter(recording.replicas, recording.steps);
    const names = [HUB, ...current.map((r) => r.name)];
    return withDatabases(dbs, names, false, async (ports) => {
      const [hub, ...replicaDbs] = ports;
      const replicas = Object.fromEntries(current.map((r, i) => [r.name, replicaDbs[i]!]));
      const playground = await Playground.open({ hub, replicas });
      const { steps, ...setup } = recording;
      const session = new PlaygroundSession(playground, setup, steps, ports, dbs);
      // links are not kept in the databases: the last link step of each replica sets it again
      for (const r of playground.replicas) {
        const last = [...steps].reverse().find((st) => st.kind === 'link' && st.replica === r.name);
        if (last?.kind === 'link') await playground.setLink(r.name, last.link, { wait: session.#linkWait(true), record: false });
      }
      return session;
    });
  }

  /**
   * A new playground that replays a recording step by step (moving the hub, and the fallback when adding or
   * removing a replica in place fails). Steps that cannot run any more (they name a removed replica, or resolve a
   * conflict that no longer arises) are dropped.
   */
  static async replay(recording: PlaygroundRecording, dbs: PlaygroundDatabases): Promise<PlaygroundSession> {
    const { steps, ...setup } = recording;
    const session = await PlaygroundSession.create(setup, dbs);
    for (const step of steps) {
      // a sync that gave up on a flaky link did what it could: it stays, as a scenario run keeps it
      const ok = await session.#execute(step, false).then(() => true, (e: unknown) => SyncGaveUpError.is(e));
      if (ok) session.#steps.push(step);
      session.#advanceClock();
    }
    return session;
  }

  get name(): string {
    return this.#setup.name;
  }

  get setup(): PlaygroundSetup {
    return this.#setup;
  }

  /** The rules in force: the last `rules` step's, or the setup's. */
  get rules(): readonly ScenarioRule[] {
    const last = [...this.#steps].reverse().find((st) => st.kind === 'rules');
    return last?.kind === 'rules' ? last.rules : this.#setup.rules;
  }

  /** Setup plus the steps taken so far: `exportScenario(session.recording())` reproduces this playground. */
  recording(): PlaygroundRecording {
    return { ...this.#setup, steps: [...this.#steps] };
  }

  /** The step-mode sync in progress (paused between events), if any. */
  get stepper(): SyncStepper | undefined {
    return this.#stepper && !this.#stepper.done ? this.#stepper : undefined;
  }

  /** The last step-mode sync: running, or ended (kept so the views can show how it ended). */
  get stepState(): StepState | undefined {
    return this.#stepper?.state;
  }

  snapshot(): Promise<PlaygroundSnapshot> {
    return buildSnapshot(this.name, this.playground, this.#stepper?.state, this.#steps.length);
  }

  /** The database of the hub or of a replica. */
  database(name: string): SqlPort {
    return name === HUB ? this.playground.hub : this.playground.replica(name).db;
  }

  /**
   * Runs SQL on a replica (captured into its queue and recorded as a step) or on the hub. On the hub, reads return
   * rows; anything else runs as a hub write (versioned, pulled by the replicas), recorded as a `hub` step.
   */
  async runSql(target: string, sql: string): Promise<QueryResult[]> {
    if (target === HUB) {
      if (READ_ONLY.test(sql)) return this.playground.hub.exec(sql);
      await this.#record({ kind: 'hub', sql }, () => this.playground.hubExec(sql));
      return [];
    }
    const replica = this.playground.replica(target); // unknown replica: fails before anything is recorded
    // reads change nothing, so they are not steps (opening a table must not grow the exported scenario)
    if (READ_ONLY.test(sql)) return replica.exec(sql);
    return this.#record({ kind: 'sql', replica: target, sql }, () => this.playground.replica(target).exec(sql));
  }

  /**
   * Records writes a client of the localhost server committed on `target` (they ran already, on its database): a
   * `sql` step on a replica or a `hub` step, so an exported scenario replays them. Time moves on 1 ms, as after
   * any step.
   */
  recordServed(target: string, sql: string, comment?: string): void {
    const note = comment ? { comment } : {};
    this.#steps.push(target === HUB ? { kind: 'hub', sql, ...note } : { kind: 'sql', replica: target, sql, ...note });
    this.#advanceClock();
    this.#changed();
  }

  setOnline(replica: string, online: boolean): Promise<void> {
    return this.#record({ kind: online ? 'online' : 'offline', replica }, () => this.playground.setOnline(replica, online));
  }

  /**
   * Syncs one replica to the end, telling `onEvent` about every event (progress), retries over a flaky link
   * included. Over a link that keeps failing, throws SyncGaveUpError (the ops stay queued).
   */
  sync(replica: string, onEvent?: (e: SyncEvent | SyncRetryEvent) => void): Promise<SyncSummary> {
    this.#refuseWhileStepping();
    return this.#record({ kind: 'sync', replica }, async () => {
      const gen = syncOverLink(this.playground, replica, this.#linkOptions(true, onEvent));
      for (;;) {
        const r = await gen.next();
        this.#changed();
        if (r.done) return r.value;
        onEvent?.(r.value);
      }
    });
  }

  syncAll(): Promise<void> {
    this.#refuseWhileStepping();
    return this.#record({ kind: 'syncAll' }, () => syncAllOverLinks(this.playground, this.#linkOptions(true)));
  }

  /**
   * Starts a sync in step mode, paused before its first event. Recorded as a `sync` step with batch size 1; when
   * it is stopped half-way, with the number of events it got to (`maxEvents`), so a replay stops there too.
   */
  startStepSync(replica: string): SyncStepper {
    this.#refuseWhileStepping();
    this.playground.replica(replica);
    const index = this.#steps.push({ kind: 'sync', replica, batchSize: 1 }) - 1;
    let advanced = false;
    const stepper: SyncStepper = new SyncStepper(replica, syncOverLink(this.playground, replica, { batchSize: 1, ...this.#linkOptions(true) }), () => {
      // the step ends when the sync does: only then does simulated time move on, as after any other step
      if (stepper.done && !advanced) {
        advanced = true;
        if (stepper.state.stopped) this.#steps[index] = { kind: 'sync', replica, batchSize: 1, maxEvents: stepper.eventCount };
        this.#advanceClock();
      }
      this.#changed();
    });
    this.#stepper = stepper;
    this.#changed();
    return this.#stepper;
  }

  /**
   * Sets a replica's link to the hub (drop rate, latency, what a drop loses, seed), or with null the perfect link.
   * Recorded as a `link` step; syncs of that replica then retry with backoff. Bad conditions throw
   * InvalidInputError naming the field, and nothing is recorded.
   */
  async setLink(replica: string, link: Partial<LinkConditions> | null): Promise<LinkConditions | undefined> {
    this.playground.replica(replica);
    const conditions = link ? (toLinkConditions(link) ?? null) : null;
    await this.#record({ kind: 'link', replica, link: conditions }, async () => this.#execute({ kind: 'link', replica, link: conditions }, true));
    return conditions ?? undefined;
  }

  /** Stops the step-mode sync, if any. */
  async stopStepSync(): Promise<void> {
    await this.#stepper?.stop();
  }

  /** Runs one scenario step (not `expect`: that checks, it does not act) and records it. */
  async runStep(step: ScenarioStep): Promise<void> {
    if (step.kind === 'expect') return;
    if (step.kind === 'sync' || step.kind === 'syncAll') this.#refuseWhileStepping();
    await this.#record(step, () => this.#execute(step, true));
  }

  conflicts(open?: boolean): Promise<readonly ConflictRecord[]> {
    return this.playground.conflicts(open ? { open: true } : {});
  }

  preview(conflictId: number, how: ManualChoice | { readonly strategy: Strategy }): Promise<ResolutionPreview> {
    return this.playground.preview(conflictId, how);
  }

  /** Resolves a parked conflict by a person's choice. Recorded by its position among the open conflicts. */
  async resolve(conflictId: number, choice: ManualChoice): Promise<void> {
    const open = await this.playground.conflicts({ open: true });
    const index = open.findIndex((c) => c.id === conflictId);
    if (index < 0) throw new InvalidInputError(`Conflict ${conflictId} is not waiting for a decision (it was resolved already).`);
    await this.#record({ kind: 'resolve', conflict: index, take: resolveTakeOf(choice) }, () => this.playground.resolve(conflictId, choice));
  }

  /** Resolves a parked conflict the way a strategy would: the preview's row is what gets applied. */
  async resolveWithStrategy(conflictId: number, strategy: Strategy): Promise<void> {
    const p = await this.playground.preview(conflictId, { strategy });
    if (p.outcome === 'rejected') throw new InvalidInputError(`${strategy} would reject this operation: ${p.reason}`);
    await this.resolve(conflictId, choiceFromPreview(p));
  }

  /** Replaces the conflict rules, recorded as a `rules` step (an exported scenario changes them at that point). */
  async setRules(rules: readonly ScenarioRule[]): Promise<void> {
    await this.#record({ kind: 'rules', rules }, () => this.#applyRules(rules));
  }

  /**
   * Discards a pending or failed op (the replica's row goes back; the hub's row comes on its next sync). Refused
   * during a step-mode sync of that replica. Recorded as a `discard` step.
   */
  async discard(replica: string, opId: string): Promise<DiscardOutcome> {
    this.#refuseWhileStepping(replica);
    return this.#record({ kind: 'discard', replica, opId }, () => this.playground.discard(replica, opId));
  }

  /** Why `name` cannot be a new replica's name (so the UI can say it as the person types), or undefined. */
  replicaNameProblem(name: string): string | undefined {
    return replicaNameProblem(name, this.playground.replicas, this.#steps);
  }

  /**
   * Adds a replica on a fresh database: the engine copies the hub's tables and rows into it (instant, no replay).
   * Recorded as an `addReplica` step, so an exported scenario adds it at the same point.
   */
  addReplica(name: string, clockSkewMs = 0): Promise<void> {
    return this.#record({ kind: 'addReplica', replica: name, ...(clockSkewMs ? { clockSkewMs } : {}) }, () => this.#addReplica(name, clockSkewMs));
  }

  /**
   * Removes a replica: unregistered at the hub, its queued ops lost, its database closed. Recorded as a
   * `removeReplica` step; the steps it took before stay (what it pushed stays at the hub).
   */
  removeReplica(name: string): Promise<void> {
    return this.#record({ kind: 'removeReplica', replica: name }, () => this.#removeReplica(name));
  }

  async #addReplica(name: string, clockSkewMs: number): Promise<void> {
    // the step being run is recorded already: look at the steps before it
    const problem = this.replicaNameProblem(name);
    if (problem) throw new InvalidInputError(problem, 'name');
    const db = await this.dbs.open(name, true);
    try {
      await this.playground.addReplica({ name, db, clockSkewMs, schema: this.#setup.schema });
    } catch (e) {
      await db.close().catch(() => undefined);
      throw e;
    }
    this.#databases.push(db);
  }

  async #removeReplica(name: string): Promise<void> {
    this.#refuseWhileStepping(name);
    if (this.playground.replicas.length === 1) throw new InvalidInputError('A playground needs at least one replica.');
    const db = this.playground.replica(name).db;
    await this.playground.removeReplica(name);
    const i = this.#databases.indexOf(db);
    if (i >= 0) this.#databases.splice(i, 1);
    await db.close().catch(() => undefined);
  }

  queue(replica: string): Promise<readonly Op[]> {
    return this.playground.replica(replica).ops();
  }

  async retry(replica: string, opId: string): Promise<void> {
    await this.playground.replica(replica).retry(opId);
    this.#changed();
  }

  timeline(query?: TimelineQuery): Promise<readonly TimelineEvent[]> {
    return this.playground.timeline(query);
  }

  /** Closes the databases the session opened. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#stepper?.stop().catch(() => undefined);
    this.playground.dispose();
    this.dispose();
    await Promise.allSettled(this.#databases.map((d) => d.close()));
  }

  /** `felt`: a link's latency and retry waits are waited out (not when replaying a recording). */
  async #execute(step: ScenarioStep, felt: boolean): Promise<unknown> {
    const pg = this.playground;
    switch (step.kind) {
      case 'sql':
        return pg.replica(step.replica).exec(step.sql);
      case 'offline':
      case 'online':
        return pg.setOnline(step.replica, step.kind === 'online');
      case 'sync':
        return runSyncStep(pg, step, this.#linkOptions(felt));
      case 'syncAll':
        return syncAllOverLinks(pg, this.#linkOptions(felt));
      case 'link':
        return pg.setLink(step.replica, step.link, { wait: this.#linkWait(felt) });
      case 'rules':
        return this.#applyRules(step.rules);
      case 'hub':
        return pg.hubExec(step.sql);
      case 'discard':
        return pg.discard(step.replica, step.opId);
      case 'addReplica':
        return this.#addReplica(step.replica, step.clockSkewMs ?? 0);
      case 'removeReplica':
        return this.#removeReplica(step.replica);
      case 'advance':
        return (pg.clock as SimulatedClock).advance?.(step.ms);
      case 'resolve': {
        const c = (await pg.conflicts({ open: true }))[step.conflict];
        if (!c) throw new InvalidInputError(`there is no open conflict #${step.conflict}`);
        return pg.resolve(c.id, step.take);
      }
      case 'expect':
        return undefined;
    }
  }

  async #applyRules(rules: readonly ScenarioRule[]): Promise<void> {
    const tables = new Set(this.playground.tables().map((t) => displayName(t)));
    await this.playground.setRules(await stepRules(rules, this.playground.hub, this.#installed, tables));
  }

  /** Records the step, runs it, moves simulated time on 1 ms (as the scenario runner does) and tells the views. */
  async #record<T>(step: ScenarioStep, run: () => Promise<T>): Promise<T> {
    this.#steps.push(step);
    try {
      return await run();
    } catch (e) {
      // a step that failed before changing anything (bad SQL rolls back) would not reproduce: forget it
      const undone = ['sql', 'hub', 'rules', 'discard', 'addReplica', 'removeReplica'];
      if (undone.includes(step.kind)) this.#steps.pop();
      throw e;
    } finally {
      this.#advanceClock();
      this.#changed();
    }
  }

  /** How a link's latency and retry waits pass: on the simulated clock, and felt (waited out) in the UI. */
  #linkWait(felt: boolean): LinkWait {
    return linkWait(this.playground.clock, felt && this.linkWaitsFelt);
  }

  #linkOptions(felt: boolean, onEvent?: (e: SyncRetryEvent) => void): Omit<LinkSyncOptions, 'batchSize' | 'direction' | 'loseAckAfterBatch'> {
    return {
      wait: this.#linkWait(felt),
      onRetry: (e) => {
        onEvent?.(e);
        this.#changed();
      },
    };
  }

  #advanceClock(): void {
    if (this.playground.clock instanceof SimulatedClock) this.playground.clock.advance(1);
  }

  /** Refuses while a step-mode sync is paused (of `replica`, when given). */
  #refuseWhileStepping(replica?: string): void {
    const s = this.stepper;
    if (s && (replica ?? s.replica) === s.replica) throw new InvalidInputError(`A step-mode sync of ${s.replica} is paused. Continue or stop it first.`);
  }

  #changed(): void {
    if (!this.#closed) this.#onDidChange.fire();
  }
}
