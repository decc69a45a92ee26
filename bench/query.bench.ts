/**
 * The SQL playground's runner on the playground database (PGlite in a worker, as the extension opens it), for
 * 10k, 100k and 1M-row results with the default row cap (10,000):
 * - Run Query → first page: from `run()` to the first `onRows` (what the extension passes to the results panel's
 *   `appendRows`; the webview's paint is measured in the webview tests);
 * - peak growth of the main thread's JS memory (V8 heap + array buffers: what the extension host itself holds)
 *   and of the process RSS (which also counts the database worker's heap and WASM memory);
 * and export of 1M rows to CSV (rows/s). Figures only, no asserts.
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
      const peakJsMb: number[] = [];
      for (let i = 0; i < ctx.runs; i++) {
        ctx.log(`query ${n} rows, run ${i + 1}/${ctx.runs}`);
        const qc = new QueryConsole(() => openQuerySession(db));
        (globalThis as { gc?: () => void }).gc?.();
        const js = () => {
          const m = process.memoryUsage();
          return m.heapUsed + m.arrayBuffers;
        };
        const base = process.memoryUsage().rss;
        const baseJs = js();
        let peak = base;
        let peakJs = baseJs;
        const sample = () => {
          peak = Math.max(peak, process.memoryUsage().rss);
          peakJs = Math.max(peakJs, js());
        };
        const timer = setInterval(sample, 10);
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
        sample();
        firstMs.push(first ?? Number.NaN);
        peakMb.push((peak - base) / 1e6);
        peakJsMb.push((peakJs - baseJs) / 1e6);
        await qc.close();
      }
      const size = n.toLocaleString();
      rows.push({ suite: name, figure: { label: `Run Query → first page to the panel, ${size} rows`, unit: 'ms', samples: firstMs }, target: '≤ 500 ms' });
      rows.push({ suite: name, figure: { label: `extension host JS memory growth (peak), ${size} rows`, unit: 'MB', samples: peakJsMb }, target: '< 150 MB' });
      rows.push({ suite: name, figure: { label: `process RSS growth incl. the worker (peak), ${size} rows`, unit: 'MB', samples: peakMb } });
    }
    // generate_series materialises all its rows inside Postgres before the first one (a FunctionScan): a table does not
    ctx.log('filling a 1M-row table');
    await db.exec(`CREATE TABLE IF NOT EXISTS bench_rows AS ${sql(1_000_000)}`);
    const tableMs: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      const qc = new QueryConsole(() => openQuerySession(db));
      const t0 = performance.now();
      let first: number | undefined;
      const r = await qc.run(splitStatements('SELECT * FROM bench_rows'), { target: 'bench', rowCap: 10_000 }, {
        onSnapshot() {},
        onRows() {
          first ??= performance.now() - t0;
        },
      });
      await r.done;
      tableMs.push(first ?? Number.NaN);
      await qc.close();
    }
    rows.push({ suite: name, figure: { label: 'Run Query → first page to the panel, 1,000,000-row table', unit: 'ms', samples: tableMs }, target: '≤ 500 ms' });
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
