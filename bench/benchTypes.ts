/**
 * The contract between the benchmark runner (bench/main.ts) and each bench file. A bench file exports
 * `run(ctx): Promise<BenchRow[]>`; each row is one figure measured over several runs, beside the anchor it is
 * judged against, measured in the same run on the same machine (absolute figures on a shared machine mean little).
 */

/** One measured quantity: every sample is kept, the table shows median (min-max). */
export interface Measure {
  readonly label: string;
  readonly unit: 'ms' | 'MB' | 'ops/s';
  readonly samples: readonly number[];
}

export interface BenchRow {
  /** The bench file's short name, e.g. "startup". */
  readonly suite: string;
  readonly figure: Measure;
  /** What the figure is compared with; the table shows figure/anchor. */
  readonly anchor?: Measure;
  /** A target from the design, e.g. "≤ 1000 ms"; shown, not enforced. */
  readonly target?: string;
  readonly note?: string;
}

export interface BenchContext {
  /** Runs per figure (at least 5 for the published table). */
  readonly runs: number;
  /** A fresh empty folder, removed when the run ends. */
  scratch(name: string): string;
  /** Progress on stderr, so the table on stdout stays clean. */
  log(message: string): void;
}

/** What each bench file exports. */
export interface BenchSuite {
  readonly name: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
}
