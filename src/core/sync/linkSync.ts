/**
 * Syncs as the UI and the scenario runner start them: a replica with a link to the hub (replicaLink.ts) syncs with
 * retries and backoff (retrySync.ts), so a flaky link still ends in a completed sync, or in a clear "gave up"
 * with the queue intact; a replica without one syncs once, as before.
 */
import { DbError } from '../errors';
import type { SyncEvent, SyncSummary } from './events';
import type { Playground, SyncOptions } from './playground';
import { hasChanges } from './pull';
import { appendEvents } from './timeline';
import type { LinkWait } from './replicaLink';
import { syncWithRetry, type RetryPolicy, type SyncRetryEvent } from './retrySync';
import { isTransient, isTransientCode } from './transientErrors';

/**
 * Retries of a sync over a link. The same in the UI and in scenarios, so an exported scenario makes the same
 * attempts; the waits pass on the link's clock (simulated time; the UI also waits them out).
 */
export const LINK_RETRY: Omit<RetryPolicy, 'sleep'> = { attempts: 20, baseDelayMs: 100, maxDelayMs: 1_000 };

export interface LinkSyncOptions extends SyncOptions {
  /** How waits between attempts pass (see linkWait). */
  readonly wait: LinkWait;
  /** Told before each wait: the attempt that failed, why, and how long until the next. */
  readonly onRetry?: (e: SyncRetryEvent) => void | Promise<void>;
}

/** A sync over a flaky link failed on every attempt. Nothing is lost: the replica's ops wait in its queue. */
export class SyncGaveUpError extends Error {
  readonly reason = 'sync-gave-up' as const;
  constructor(
    readonly replica: string,
    readonly attempts: number,
    /** Ops still waiting in the replica's queue (pending or sent). */
    readonly waiting: number,
    cause: DbError,
  ) {
    super(
      `Sync of ${replica} gave up after ${attempts} attempts: the link to the hub kept failing (last: ${cause.message}). ` +
        `Nothing is lost: ${waiting} op(s) wait in ${replica}'s queue. Sync again, or improve the link (Set Link Conditions).`,
      { cause },
    );
    this.name = 'SyncGaveUpError';
  }

  static is(e: unknown): e is SyncGaveUpError {
    return e instanceof Error && (e as { reason?: unknown }).reason === 'sync-gave-up';
  }
}

/**
 * `pg.sync(replica)`; when the replica has a link, retried with backoff while the link fails. Yields the engine's
 * events (retries go to `onRetry`), so a step-mode sync and a replayed `maxEvents` step count the same events.
 * Throws SyncGaveUpError when the last attempt still failed on the link.
 */
export async function* syncOverLink(pg: Playground, replica: string, options: LinkSyncOptions): AsyncGenerator<SyncEvent, SyncSummary, void> {
  const { wait, onRetry, ...syncOptions } = options;
  if (!pg.link(replica)) return yield* pg.sync(replica, syncOptions);
  const it = syncWithRetry(pg, replica, { ...LINK_RETRY, sleep: wait }, syncOptions);
  let attempt = 1;
  /** The last link failure of the current attempt. */
  let failure: DbError | undefined;
  let finished = false;
  try {
    for (;;) {
      let n: IteratorResult<SyncEvent | SyncRetryEvent, SyncSummary>;
      try {
        n = await it.next();
      } catch (e) {
        finished = true;
        if (isTransient(e)) throw await gaveUp(pg, replica, attempt, e);
        throw e;
      }
      if (n.done) {
        finished = true;
        // the last attempt completed, but a pushed batch of it was lost on the link: its ops wait
        if (failure) throw await gaveUp(pg, replica, attempt, failure);
        return n.value;
      }
      const e = n.value;
      if (e.type === 'sync_retry') {
        attempt = e.attempt + 1;
        failure = undefined;
        // the playground's own record of what the replica went through: at the hub, but not over the link
        const { type: _t, replica: _r, ...retry } = e;
        await appendEvents(pg.hub, [{ type: 'sync_retry', at: new Date(pg.clock.now()).toISOString(), replica, ...retry }]);
        await onRetry?.(e);
        continue;
      }
      if (e.type === 'op_failed' && isTransientCode(e.code)) failure ??= new DbError(e.error, '', undefined, e.code ? { code: e.code } : {});
      yield e;
    }
  } finally {
    if (!finished) await it.return(undefined as never);
  }
}

async function gaveUp(pg: Playground, replica: string, attempts: number, cause: DbError): Promise<SyncGaveUpError> {
  const c = await pg.replica(replica).counts();
  const waiting = c.pending + c.sent;
  await appendEvents(pg.hub, [{ type: 'sync_gave_up', at: new Date(pg.clock.now()).toISOString(), replica, attempts, waiting, error: cause.message }]);
  return new SyncGaveUpError(replica, attempts, waiting, cause);
}

/** `syncOverLink` run to the end. */
export async function syncOverLinkToEnd(pg: Playground, replica: string, options: LinkSyncOptions): Promise<SyncSummary> {
  const it = syncOverLink(pg, replica, options);
  for (;;) {
    const n = await it.next();
    if (n.done) return n.value;
  }
}

/**
 * `pg.syncAll()` with each replica's sync over its link: every online replica in order, repeated until nothing is
 * left to do (at most `rounds`). Without links it is exactly `pg.syncAll()`.
 */
export async function syncAllOverLinks(pg: Playground, options: Omit<LinkSyncOptions, keyof SyncOptions>, rounds = 10): Promise<void> {
  if (!pg.replicas.some((r) => pg.link(r.name))) return pg.syncAll(rounds);
  for (let i = 0; i < rounds; i++) {
    let more = false;
    for (const r of pg.replicas) {
      if (!r.online) continue;
      more ||= (await syncOverLinkToEnd(pg, r.name, options)).moreToDo;
    }
    if (!more) {
      // one more round when a replica has not pulled what a later one pushed (as pg.syncAll)
      let pending = false;
      for (const r of pg.replicas) if (r.online && (await hasChanges(pg.hub, r.name, await r.cursor()))) pending = true;
      if (!pending) return;
    }
  }
}
