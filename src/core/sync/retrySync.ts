/**
 * Sync over a bad link: run a replica's sync again, with exponential backoff, while the link to the hub fails.
 * Safe because a sync can stop anywhere: ops stay `pending`/`sent` until the replica hears back, and the hub never
 * applies an op twice (see sync.ts). What is retried is the whole sync; the engine resumes from its queue and cursor.
 */
import { DbError } from '../errors';
import type { SyncEvent, SyncSummary } from './events';
import type { Playground, SyncOptions } from './playground';
import { isTransient, isTransientCode } from './transientErrors';

export interface RetryPolicy {
  /** Syncs tried at most, the first included. */
  readonly attempts: number;
  /** Wait before the 2nd attempt; doubles each time up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Injected so tests and step mode need not wait on a wall clock. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Announces a retry: the attempt that failed, why, and the wait before the next one. Not stored in the timeline. */
export interface SyncRetryEvent {
  readonly type: 'sync_retry';
  readonly replica: string;
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: string;
  readonly code?: string;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 200, maxDelayMs: 5_000 };

/**
 * `pg.sync(replica)` until it completes without a link failure, or `attempts` run out (then the last error is
 * thrown). A sync that completed but had a pushed batch fail on the link (ops back to pending) counts as failed.
 */
export async function* syncWithRetry(
  pg: Playground,
  replica: string,
  policy: RetryPolicy = DEFAULT_RETRY,
  options: SyncOptions = {},
): AsyncGenerator<SyncEvent | SyncRetryEvent, SyncSummary, void> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    let failure: DbError | undefined;
    let summary: SyncSummary | undefined;
    const it = pg.sync(replica, options);
    let finished = false;
    try {
      for (;;) {
        const n = await it.next();
        if (n.done) {
          finished = true;
          summary = n.value;
          break;
        }
        const e = n.value;
        if (e.type === 'op_failed' && isTransientCode(e.code)) {
          failure ??= new DbError(e.error, '', undefined, { code: e.code });
        }
        yield e;
      }
    } catch (e) {
      finished = true; // a generator that threw has ended
      if (!isTransient(e)) throw e;
      failure = e;
    } finally {
      // stopped by the caller (a step-mode Stop) while paused on an event: end the engine's sync too, or the
      // replica stays marked as syncing
      if (!finished) await it.return(undefined as never);
    }
    if (!failure && summary) return summary;
    if (attempt >= policy.attempts) {
      if (summary) return summary; // completed, with ops left pending: the caller sees moreToDo
      throw failure!;
    }
    const delayMs = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
    yield { type: 'sync_retry', replica, attempt, delayMs, error: failure!.message, ...(failure!.code ? { code: failure!.code } : {}) };
    await sleep(delayMs);
  }
}
