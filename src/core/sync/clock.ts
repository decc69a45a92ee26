/**
 * Time for the engine comes only from here, so runs are deterministic: scenarios pass a SimulatedClock, the
 * extension the system clock. Never `Date.now()` or `clock_timestamp()` for anything that reaches a log.
 */

/** A source of "now", in milliseconds since the Unix epoch. */
export interface Clock {
  now(): number;
}

/** 2025-01-01T00:00:00Z, where simulated runs start. */
export const SIMULATION_START_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

/** A clock that moves only when told to. */
export class SimulatedClock implements Clock {
  #ms: number;
  constructor(startMs: number = SIMULATION_START_MS) {
    this.#ms = startMs;
  }
  now(): number {
    return this.#ms;
  }
  /** Moves time forward by `ms` (must be ≥ 0: simulated time never goes back; skew is per replica). */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`Cannot advance a simulated clock by ${ms} ms.`);
    this.#ms += ms;
  }
  /** Sets the time, if later than now. */
  setAtLeast(ms: number): void {
    this.#ms = Math.max(this.#ms, ms);
  }
}

/** The machine's clock. */
export const systemClock: Clock = { now: () => Date.now() };
