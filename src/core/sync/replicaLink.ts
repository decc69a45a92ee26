/**
 * Network conditions of a replica's link to the hub, as a person sets them in the UI or a scenario: how often a
 * statement to the hub is lost, and how long each one takes. Only the replica's traffic to the hub goes through
 * the link (its sync); its own local writes never do. A link with no drops and no latency is the perfect link:
 * no link at all.
 */
import { InvalidInputError } from '../errors';
import type { SqlPort } from '../sql';
import { SimulatedClock, type Clock } from './clock';
import { FlakyLink } from './flakyLink';

/** A replica's link to the hub. */
export interface LinkConditions {
  /** Probability (0-1) that a round trip to the hub is lost: a statement, or a whole transaction (a pushed batch). */
  readonly dropRate: number;
  /** Added to every round trip to the hub (ms). */
  readonly latencyMs: number;
  /** What a drop loses: the request (nothing ran) or the reply (it ran, the replica did not hear). */
  readonly lose: 'request' | 'reply';
  /** Seeds the drops: the same seed loses the same statements, so a run replays exactly. */
  readonly seed: number;
}

/** How time passes on a link (latency, waits between retries). Scenarios move the simulated clock only. */
export type LinkWait = (ms: number) => Promise<void>;

export const LINK_DEFAULTS: LinkConditions = { dropRate: 0, latencyMs: 0, lose: 'request', seed: 1 };
/** Latency beyond this is a mistake rather than a slow link (a sync makes dozens of statements). */
export const MAX_LATENCY_MS = 10_000;

export interface LinkProblem {
  /** The field at fault: `dropRate`, `latencyMs`, `lose` or `seed`. */
  readonly field: keyof LinkConditions;
  readonly message: string;
}

/** What is wrong with each given field, worded for a person; the normalised conditions when nothing is. */
export function checkLink(input: Readonly<Record<string, unknown>>): { conditions?: LinkConditions; problems: LinkProblem[] } {
  const problems: LinkProblem[] = [];
  const { dropRate = LINK_DEFAULTS.dropRate, latencyMs = LINK_DEFAULTS.latencyMs, lose = LINK_DEFAULTS.lose, seed = LINK_DEFAULTS.seed } = input;
  if (typeof dropRate !== 'number' || !(dropRate >= 0 && dropRate <= 1)) {
    problems.push({ field: 'dropRate', message: `dropRate must be a number from 0 to 1 (0.3 loses 30% of the round trips to the hub), got ${JSON.stringify(dropRate)}` });
  }
  if (typeof latencyMs !== 'number' || !Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > MAX_LATENCY_MS) {
    problems.push({ field: 'latencyMs', message: `latencyMs must be a whole number of milliseconds from 0 to ${MAX_LATENCY_MS}, got ${JSON.stringify(latencyMs)}` });
  }
  if (lose !== 'request' && lose !== 'reply') {
    problems.push({ field: 'lose', message: `lose must be "request" (the statement never runs) or "reply" (it runs, the answer is lost), got ${JSON.stringify(lose)}` });
  }
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
    problems.push({ field: 'seed', message: `seed must be a whole number from 0 to 4294967295, got ${JSON.stringify(seed)}` });
  }
  if (problems.length) return { problems };
  return { conditions: { dropRate: dropRate as number, latencyMs: latencyMs as number, lose: lose as LinkConditions['lose'], seed: seed as number }, problems };
}

/** Normalised conditions, or undefined for the perfect link. Throws InvalidInputError naming the field. */
export function toLinkConditions(input: Readonly<Partial<LinkConditions>>): LinkConditions | undefined {
  const { conditions, problems } = checkLink(input);
  if (!conditions) throw new InvalidInputError(`Link conditions: ${problems[0]!.message}.`, problems[0]!.field);
  return isPerfect(conditions) ? undefined : conditions;
}

export function isPerfect(c: LinkConditions): boolean {
  return c.dropRate === 0 && c.latencyMs === 0;
}

/** "flaky 30%", "slow 200 ms", "flaky 30%, 200 ms, replies lost": a link at a glance. */
export function describeLink(c: LinkConditions | undefined): string {
  if (!c || isPerfect(c)) return 'perfect link';
  const pct = `${Number((c.dropRate * 100).toFixed(1))}%`;
  const parts = c.dropRate > 0 ? [`flaky ${pct}`, ...(c.latencyMs ? [`${c.latencyMs} ms`] : [])] : [`slow ${c.latencyMs} ms`];
  if (c.dropRate > 0 && c.lose === 'reply') parts.push('replies lost');
  return parts.join(', ');
}

/**
 * Waiting on a link: simulated time moves on by the wait (so timelines and HLCs show it, the same in a scenario
 * run and in the UI); with `real`, the wait is also felt (the UI), else it only yields to the event loop.
 */
export function linkWait(clock: Clock, real: boolean): LinkWait {
  return async (ms) => {
    if (clock instanceof SimulatedClock) clock.advance(ms);
    await new Promise<void>((resolve) => (real && ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
  };
}

/** The links of a playground's replicas: a FlakyLink around the hub per replica that has one. */
export class ReplicaLinks {
  readonly #links = new Map<string, { readonly conditions: LinkConditions; readonly port: FlakyLink }>();

  /** Sets (or, with undefined, removes) a replica's link. Drops and the random sequence start afresh. */
  set(replica: string, conditions: LinkConditions | undefined, hub: SqlPort, wait: LinkWait): void {
    if (!conditions) return this.delete(replica);
    const port = new FlakyLink(hub, wait);
    // a pushed batch is one round trip, as to a sync service next to the hub: per statement, a 30% link would
    // lose nearly every batch of a dozen statements, and no sync would ever get one through
    port.set({ dropRate: conditions.dropRate, latencyMs: conditions.latencyMs, lose: conditions.lose, seed: conditions.seed, per: 'transaction' });
    this.#links.set(replica, { conditions, port });
  }

  delete(replica: string): void {
    this.#links.delete(replica);
  }

  conditions(replica: string): LinkConditions | undefined {
    return this.#links.get(replica)?.conditions;
  }

  /** The port a replica's sync talks to the hub through, when it has a link. */
  port(replica: string): FlakyLink | undefined {
    return this.#links.get(replica)?.port;
  }

  get size(): number {
    return this.#links.size;
  }
}
