import { Emitter } from '../emitter';
import { checkExpectation, type ExpectationResult, type ExpectationState } from '../scenario/expectations';
import type { Scenario, ScenarioStep } from '../scenario/scenarioModel';
import { snapshotTables } from '../scenario/snapshot';
import { describeLink } from '../sync/replicaLink';
import type { PlaygroundSession } from './playgroundSession';

/** What one step did: its index, a line for a person, and the expectation results of an `expect` step. */
export interface PlayedStep {
  readonly index: number;
  readonly text: string;
  readonly results: readonly ExpectationResult[];
}

/** `{"sync":"shop1"}` → `sync shop1`: a step as a person reads it in a tree or a message. */
export function stepText(step: ScenarioStep): string {
  const c = step.comment ? ` — ${step.comment}` : '';
  switch (step.kind) {
    case 'sql':
      return `${step.replica}: ${step.sql.replace(/\s+/g, ' ').trim()}${c}`;
    case 'offline':
    case 'online':
      return `${step.kind} ${step.replica}${c}`;
    case 'sync':
      return `sync ${step.replica}${step.maxEvents !== undefined ? ` (stopped after ${step.maxEvents} events)` : ''}${c}`;
    case 'rules':
      return `rules: ${step.rules.map((r) => `${r.table ?? '*'}${r.conflict ? `/${r.conflict}` : ''} → ${r.strategy}`).join(', ') || 'none (default strategy)'}${c}`;
    case 'hub':
      return `hub: ${step.sql.replace(/\s+/g, ' ').trim()}${c}`;
    case 'discard':
      return `discard ${step.opId}${c}`;
    case 'addReplica':
      return `add replica ${step.replica}${step.clockSkewMs ? ` (clock ${step.clockSkewMs > 0 ? '+' : ''}${step.clockSkewMs} ms)` : ''}${c}`;
    case 'removeReplica':
      return `remove replica ${step.replica}${c}`;
    case 'link':
      return `link ${step.replica} ↔ hub: ${describeLink(step.link ?? undefined)}${c}`;
    case 'syncAll':
      return `sync all${c}`;
    case 'advance':
      return `clock +${step.ms} ms${c}`;
    case 'resolve':
      return `resolve open conflict ${step.conflict}: take ${typeof step.take === 'string' ? step.take : 'edited row'}${c}`;
    case 'expect':
      return `expect ${Object.keys(step.expect).join(', ')}${c}`;
  }
}

/**
 * A scenario opened in the playground, played one step at a time by a person (the CLI runs them all at once).
 * Steps run through the session, so they are recorded like anything else the person does.
 */
export class ScenarioPlayer {
  readonly #onDidChange = new Emitter<void>();
  readonly onDidChange = this.#onDidChange.event;
  #next = 0;

  constructor(
    readonly scenario: Scenario,
    private readonly session: PlaygroundSession,
  ) {}

  get position(): number {
    return this.#next;
  }

  get done(): boolean {
    return this.#next >= this.scenario.steps.length;
  }

  /** The step that runs next, if any. */
  get nextStep(): ScenarioStep | undefined {
    return this.scenario.steps[this.#next];
  }

  /** Runs the next step. A step that fails stays next (fix things by hand, then try again). */
  async playNext(): Promise<PlayedStep | undefined> {
    const step = this.nextStep;
    if (!step) return undefined;
    const index = this.#next;
    const results = step.kind === 'expect' ? checkExpectation(step.expect, await this.#state()) : await this.session.runStep(step).then(() => []);
    this.#next++;
    this.#onDidChange.fire();
    return { index, text: stepText(step), results };
  }

  async #state(): Promise<ExpectationState> {
    const pg = this.session.playground;
    const replicas: Record<string, { tables: Awaited<ReturnType<typeof snapshotTables>>; queue: Record<string, number> }> = {};
    for (const r of pg.replicas) replicas[r.name] = { tables: await snapshotTables(r.db), queue: { ...(await r.counts()) } };
    return { hub: await snapshotTables(pg.hub), replicas, conflicts: (await pg.conflicts()).map((c) => c.type) };
  }

  dispose(): void {
    this.#onDidChange.dispose();
  }
}
