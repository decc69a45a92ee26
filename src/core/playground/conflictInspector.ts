import type { ConflictsSnapshot } from '../../protocol/conflictsProtocol';
import { Disposable } from '../dispose';
import { Emitter } from '../emitter';
import { InvalidInputError } from '../errors';
import { describeEvent } from '../scenario/describeEvent';
import type { SqlPort } from '../sql';
import { displayName } from '../sync/ident';
import type { ManualChoice, Strategy } from '../sync/types';
import { conflictDetail, keyText } from './conflictView';
import { HUB, type PlaygroundSession } from './playgroundSession';
import { whatIf, type WhatIfResult } from './whatIf';

export type StepAction = 'step' | 'stepToConflict' | 'continue' | 'stop';

/**
 * The conflict inspector's state and actions, without any UI: which conflict is shown, the step controls, the
 * "what if" result. The webview panel forwards its (validated) requests here and renders `snapshot()`; tests
 * call the same methods.
 */
export class ConflictInspector extends Disposable {
  readonly #onDidChange = this._register(new Emitter<void>());
  readonly onDidChange = this.#onDidChange.event;
  #currentId: number | undefined;
  #whatIf: (WhatIfResult & { conflictId: number; error?: string }) | undefined;
  #busy = 0;

  constructor(
    private readonly session: PlaygroundSession,
    private readonly openScratch: () => Promise<SqlPort>,
  ) {
    super();
    this._register(session.onDidChange(() => this.#onDidChange.fire()));
  }

  get currentId(): number | undefined {
    return this.#currentId;
  }

  /** Shows a conflict (by id); undefined: the first open one, else the latest. */
  select(id: number | undefined): void {
    this.#currentId = id;
    this.#whatIf = undefined;
    this.#onDidChange.fire();
  }

  async snapshot(): Promise<ConflictsSnapshot> {
    const all = await this.session.conflicts();
    const current =
      all.find((c) => c.id === this.#currentId) ?? all.find((c) => c.outcome === 'parked') ?? all.at(-1);
    const state = this.session.stepState;
    const w = this.#whatIf && this.#whatIf.conflictId === current?.id ? this.#whatIf : undefined;
    return {
      playground: this.session.name,
      conflicts: all.map((c) => ({
        id: c.id,
        type: c.type,
        table: displayName(c.table),
        key: keyText(c.pk),
        replica: c.replica,
        strategy: c.strategy,
        outcome: c.outcome,
        open: c.outcome === 'parked',
      })),
      current: current ? await conflictDetail(this.session, current) : null,
      stepping: state
        ? {
            replica: state.replica,
            lastEvent: state.events.length ? describeEvent(state.events.at(-1)!) : null,
            events: state.events.slice(-50).map((e) => ({ seq: e.seq, type: e.type, text: describeEvent(e) })),
            done: state.done,
          }
        : null,
      whatIf: w
        ? {
            conflictId: w.conflictId,
            strategy: w.strategy,
            table: w.table,
            diffs: w.diffs.map((d) => ({ key: keyText(d.pk), actual: d.actual as never, alternative: d.alternative as never })),
            skippedSteps: w.skippedSteps,
            ...(w.error ? { error: w.error } : {}),
          }
        : null,
      busy: this.#busy > 0,
    };
  }

  applyStrategy(id: number, strategy: Strategy): Promise<void> {
    return this.#run(() => this.session.resolveWithStrategy(id, strategy));
  }

  resolve(id: number, take: ManualChoice): Promise<void> {
    return this.#run(() => this.session.resolve(id, take));
  }

  /** Step controls. Step and "to next conflict" show the conflict they stop at. */
  step(action: StepAction): Promise<void> {
    return this.#run(async () => {
      const s = this.session.stepper;
      if (!s) throw new InvalidInputError('No sync is paused. Start one with "Step Sync" on a replica.');
      if (action === 'stop') return s.stop();
      if (action === 'continue') return void (await s.continue());
      const e = action === 'step' ? await s.step() : await s.stepToConflict();
      if (e?.type === 'conflict_detected') this.#currentId = e.conflictId;
    });
  }

  /** Replays the playground with another strategy for this conflict, on scratch databases. */
  whatIf(id: number, strategy: Strategy): Promise<void> {
    return this.#run(async () => {
      const all = await this.session.conflicts();
      const c = all.find((x) => x.id === id);
      if (!c) throw new InvalidInputError(`There is no conflict ${id}.`);
      const table = this.session.playground.tables().find((t) => t.schema === c.table.schema && t.name === c.table.name);
      if (!table) throw new InvalidInputError(`Table ${displayName(c.table)} is not synced any more.`);
      try {
        const r = await whatIf(this.session.recording(), c, strategy, this.session.database(HUB), table, this.openScratch);
        this.#whatIf = { ...r, conflictId: id };
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        this.#whatIf = { conflictId: id, strategy, table: displayName(c.table), diffs: [], skippedSteps: 0, error };
      }
    });
  }

  async #run(fn: () => Promise<void>): Promise<void> {
    this.#busy++;
    this.#onDidChange.fire();
    try {
      await fn();
    } finally {
      this.#busy--;
      this.#onDidChange.fire();
    }
  }
}
