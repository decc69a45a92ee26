import type { SyncEvent, SyncSummary } from '../sync/events';

/** A step-mode sync as the UI shows it. */
export interface StepState {
  readonly replica: string;
  /** The events seen so far in this sync, oldest first (the last one is where the sync is paused). */
  readonly events: readonly SyncEvent[];
  /** The sync ran to its end, or was stopped. */
  readonly done: boolean;
  readonly stopped: boolean;
  readonly summary: SyncSummary | undefined;
}

/** Keeps the step view small on huge syncs; the timeline keeps everything. */
const MAX_EVENTS = 500;

/**
 * Drives one sync like a debugger: the engine's async generator stays suspended between events (the engine
 * yields only between transactions, so a paused sync holds no lock), and advances only when asked. Stop is the
 * generator's `return()`: what was committed stays, nothing more is pushed or pulled.
 *
 * Calls are serialised: a second "step" while one is running waits for it instead of racing the generator.
 */
export class SyncStepper {
  #events: SyncEvent[] = [];
  /** Every event taken, beyond the view's cap: a stopped sync is recorded as "stopped after n events". */
  #count = 0;
  #done = false;
  #stopped = false;
  #summary: SyncSummary | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(
    readonly replica: string,
    private readonly generator: AsyncGenerator<SyncEvent, SyncSummary, void>,
    private readonly onChange: () => void,
  ) {}

  get state(): StepState {
    return { replica: this.replica, events: [...this.#events], done: this.#done, stopped: this.#stopped, summary: this.#summary };
  }

  get done(): boolean {
    return this.#done;
  }

  /** Events taken so far. */
  get eventCount(): number {
    return this.#count;
  }

  /** Advances by one event. Resolves with it, or undefined when the sync has ended. */
  step(): Promise<SyncEvent | undefined> {
    return this.#serial(() => this.#next());
  }

  /** Advances until a conflict is detected (that event included) or the sync ends. */
  stepToConflict(): Promise<SyncEvent | undefined> {
    return this.#serial(async () => {
      for (;;) {
        const e = await this.#next();
        if (!e || e.type === 'conflict_detected') return e;
      }
    });
  }

  /** Runs to the end. */
  continue(): Promise<SyncSummary | undefined> {
    return this.#serial(async () => {
      while (await this.#next());
      return this.#summary;
    });
  }

  /** Ends the sync here: the generator's `return()` runs the engine's cleanup; committed work stays. */
  stop(): Promise<void> {
    return this.#serial(async () => {
      if (this.#done) return;
      this.#done = true;
      this.#stopped = true;
      await this.generator.return(undefined as never);
      this.onChange();
    });
  }

  async #next(): Promise<SyncEvent | undefined> {
    if (this.#done) return undefined;
    let r: IteratorResult<SyncEvent, SyncSummary>;
    try {
      r = await this.generator.next();
    } catch (e) {
      this.#done = true;
      this.onChange();
      throw e;
    }
    if (r.done) {
      this.#done = true;
      this.#summary = r.value;
    } else {
      this.#events.push(r.value);
      this.#count++;
      if (this.#events.length > MAX_EVENTS) this.#events.splice(0, this.#events.length - MAX_EVENTS);
    }
    this.onChange();
    return r.done ? undefined : r.value;
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn, fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
