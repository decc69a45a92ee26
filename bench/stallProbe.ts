/**
 * Measures how long this thread stops answering: a 1 ms interval timer records the longest gap between its
 * callbacks. (perf_hooks.monitorEventLoopDelay samples and under-reports one long stall; the gap is what a user
 * feels as a frozen editor.)
 */
export interface StallProbe {
  /** Stops the probe; returns the longest gap in ms and how many times the timer fired. */
  stop(): { maxGapMs: number; ticks: number };
}

export function startStallProbe(): StallProbe {
  let last = performance.now();
  let maxGap = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    ticks++;
  }, 1);
  return {
    stop() {
      clearInterval(timer);
      // a stall that is still going on when the work ends counts too
      maxGap = Math.max(maxGap, performance.now() - last);
      return { maxGapMs: maxGap, ticks };
    },
  };
}
