/**
 * The SQL playground's runner on the playground database (PGlite in a worker, as the extension opens it):
 * time from Run Query to the first page of rows (what the grid paints first) and peak heap+RSS growth of this
 * process for 10k, 100k and 1M-row results with the default row cap; and export of 1M rows to CSV (rows/s).
 * Figures only, no asserts.
 */
import * as path from 'node:path';
import { exportStatement } from '../src/core/query/exportResult';
import { QueryConsole } from '../src/core/query/queryConsole';
import { splitStatements } from '../src/core/query/splitStatements';
import { openQuerySession } from '../src/db/query/openQuerySession';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import type { BenchContext, BenchRow } from './benchTypes';

export const name = 'query';

const SIZES = [10_000, 100_000, 1_000_000];
const sql = (n: number) => `SELECT g AS id, 'row ' || g AS name, g * 1.5 AS price, now() AS at FROM generate_series(1, ${n}) g`;

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const db = await openPgliteWorker({ relaxedDurability: true });
  const rows: BenchRow[] = [];
  try {
    for (const n of SIZES) {
      const firstMs: number[] = [];
      const peakMb: number[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        ctx.log(`query ${n} rows, run ${i + 1}/${ctx.runs}`);
        const qc = new QueryConsole(() => openQuerySession(db));
        const base = process.memoryUsage().rss;
        let peak = base;
        const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
        const t0 = performance.now();
        let first: number | undefined;
        const r = await qc.run(splitStatements(sql(n)), { target: 'bench', rowCap: 10_000 }, {
          onSnapshot() {},
          onRows() {
            first ??= performance.now() - t0;
          },
        });
        await r.done;
        clearInterval(timer);
        peak = Math.max(peak, process.memoryUsage().rss);
        firstMs.push(first ?? Number.NaN);
        peakMb.push((peak - base) / 1e6);
        await qc.close();
      }
      rows.push({ suite: name, figure: { label: `Run Query → first rows, ${n.toLocaleString()} rows`, unit: 'ms', samples: firstMs } });
      rows.push({ suite: name, figure: { label: `extension-host RSS growth, ${n.toLocaleString()} rows`, unit: 'MB', samples: peakMb } });
    }
    const rate: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`export 1M rows to CSV, run ${i + 1}/${ctx.runs}`);
      const session = await openQuerySession(db);
      const file = path.join(ctx.scratch(`export-${i}`) + '.csv');
      const t0 = performance.now();
      const written = await exportStatement(session, sql(1_000_000), { format: 'csv', file });
      rate.push((written ?? 0) / ((performance.now() - t0) / 1000));
      await session.release();
    }
    rows.push({ suite: name, figure: { label: 'export 1M rows to CSV', unit: 'ops/s', samples: rate }, note: 'rows per second' });
  } finally {
    await db.close();
  }
  return rows;
}
