import { syncOverLink, type LinkSyncOptions } from '../sync/linkSync';
import type { Playground, SyncOptions } from '../sync/playground';
import type { ScenarioStep } from './scenarioModel';

/**
 * A `sync` step. With `maxEvents` it is a step-mode sync a person stopped half-way: the engine yields events only
 * between transactions, so taking that many events and then ending the generator (as the stepper's Stop does)
 * reproduces exactly what was committed. A replica with a link syncs over it with retries (linkSync.ts).
 */
export async function runSyncStep(
  pg: Playground,
  step: Extract<ScenarioStep, { kind: 'sync' }>,
  link: Omit<LinkSyncOptions, keyof SyncOptions>,
): Promise<void> {
  const it = syncOverLink(pg, step.replica, { ...link, ...(step.batchSize !== undefined ? { batchSize: step.batchSize } : {}) });
  let seen = 0;
  for (;;) {
    if (step.maxEvents !== undefined && seen >= step.maxEvents) {
      await it.return(undefined as never);
      return;
    }
    const n = await it.next();
    if (n.done) return;
    seen++;
  }
}
