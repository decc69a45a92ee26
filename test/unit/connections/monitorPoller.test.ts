import assert from 'node:assert/strict';
import { MonitorPoller, type Scheduler } from '../../../src/core/connections/monitorPoller';

/** A scheduler the test ticks by hand: the interval is driven without waiting for time to pass. */
class ManualScheduler implements Scheduler {
  readonly timers = new Map<number, () => void>();
  #next = 1;
  setInterval(fn: () => void): unknown {
    const id = this.#next++;
    this.timers.set(id, fn);
    return id;
  }
  clearInterval(h: unknown): void {
    this.timers.delete(h as number);
  }
  tick(): void {
    for (const fn of this.timers.values()) fn();
  }
}

describe('replication monitor poller', () => {
  it('refreshes on an interval only while visible', async () => {
    let loads = 0;
    const clock = new ManualScheduler();
    const poller = new MonitorPoller(async () => ++loads, 5000, clock);
    clock.tick();
    assert.equal(loads, 0, 'hidden: no refresh');
    poller.setVisible(true);
    await poller.refresh(); // joins the refresh that becoming visible started
    assert.equal(loads, 1);
    clock.tick();
    await poller.refresh();
    assert.equal(loads, 2);
    poller.setVisible(false);
    assert.equal(clock.timers.size, 0);
    poller.dispose();
  });

  it('never runs two refreshes at once, and reports failures as results', async () => {
    let release!: () => void;
    let loads = 0;
    const poller = new MonitorPoller(
      () => {
        loads++;
        return new Promise<number>((_, reject) => (release = () => reject(new Error('server went away'))));
      },
      0,
      new ManualScheduler(),
    );
    const seen: unknown[] = [];
    poller.onDidUpdate((r) => seen.push(r.ok ? r.value : (r.error as Error).message));
    const a = poller.refresh();
    const b = poller.refresh();
    release();
    assert.deepEqual(await a, await b);
    assert.equal(loads, 1);
    assert.deepEqual(seen, ['server went away']);
    assert.equal(poller.last?.ok, false);
    poller.dispose();
  });
});
