import type { BenchRow, Measure } from './benchTypes';

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function fmt(n: number): string {
  return Math.abs(n) >= 100 ? n.toFixed(0) : Math.abs(n) >= 10 ? n.toFixed(1) : n.toFixed(2);
}

/** "median (min-max) unit" */
export function summarise(m: Measure): string {
  return `${fmt(median(m.samples))} (${fmt(Math.min(...m.samples))}-${fmt(Math.max(...m.samples))}) ${m.unit}`;
}

/** Runs `fn` `runs` times, one after another, and returns the samples. */
export async function sample(runs: number, fn: (i: number) => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < runs; i++) out.push(await fn(i));
  return out;
}

/** One plain-text table: figure, value, anchor, anchor value, ratio, target. */
export function table(rows: readonly BenchRow[]): string {
  const head = ['suite', 'figure', 'median (min-max)', 'anchor', 'anchor median (min-max)', 'ratio', 'target'];
  const body = rows.map((r) => [
    r.suite,
    r.figure.label,
    summarise(r.figure),
    r.anchor?.label ?? '',
    r.anchor ? summarise(r.anchor) : '',
    r.anchor ? `${fmt(median(r.figure.samples) / median(r.anchor.samples))}x` : '',
    r.target ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n');
}
