/**
 * Refreshes a replication monitor on demand and on an interval while someone is looking at it. The interval
 * runs only while `visible` is true, and a refresh never overlaps the previous one (a slow server must not
 * pile up queries).
 */
import { Disposable, toDisposable } from '../dispose';
import { Emitter } from '../emitter';

/** Timer functions, injectable so tests can drive the interval without waiting. */
export interface Scheduler {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const realScheduler: Scheduler = {
  setInterval: (fn, ms) => setInterval(fn, ms),
  clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
};

/** The outcome of one refresh. */
export type PollResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

export class MonitorPoller<T> extends Disposable {
  readonly #updated = this._register(new Emitter<PollResult<T>>());
  /** Fires after every refresh, successful or not. */
  readonly onDidUpdate = this.#updated.event;
  #last: PollResult<T> | undefined;
  #running: Promise<PollResult<T>> | undefined;
  #timer: unknown;
  #visible = false;

  constructor(
    private readonly load: () => Promise<T>,
    private intervalMs: number,
    private readonly scheduler: Scheduler = realScheduler,
  ) {
    super();
    this._register(toDisposable(() => this.#stop()));
  }

  /** The latest result, if any refresh has finished. */
  get last(): PollResult<T> | undefined {
    return this.#last;
  }

  /** Refreshes now; joins a refresh already running instead of starting a second one. */
  refresh(): Promise<PollResult<T>> {
    if (this.isDisposed) return Promise.resolve(this.#last ?? { ok: false, error: new Error('monitor closed') });
    this.#running ??= this.load()
      .then((value): PollResult<T> => ({ ok: true, value }), (error: unknown): PollResult<T> => ({ ok: false, error }))
      .then((r) => {
        this.#running = undefined;
        if (!this.isDisposed) {
          this.#last = r;
          this.#updated.fire(r);
        }
        return r;
      });
    return this.#running;
  }

  /** Starts the interval when visible (and refreshes at once), stops it when hidden. */
  setVisible(visible: boolean): void {
    if (visible === this.#visible || this.isDisposed) return;
    this.#visible = visible;
    if (visible) {
      void this.refresh();
      this.#start();
    } else {
      this.#stop();
    }
  }

  /** Changes the interval; 0 turns automatic refresh off. */
  setInterval(ms: number): void {
    this.intervalMs = ms;
    this.#stop();
    if (this.#visible) this.#start();
  }

  #start(): void {
    if (this.intervalMs > 0 && this.#timer === undefined) {
      this.#timer = this.scheduler.setInterval(() => void this.refresh(), this.intervalMs);
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) this.scheduler.clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
