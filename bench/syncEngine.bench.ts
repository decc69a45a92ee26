/**
 * The sync engine against its own anchors, in-thread PGlite (so the figures are the engine's SQL, not worker
 * round trips): (a) 10,000 captured ops pushed by A and pulled by B (capture done before timing) against a
 * per-op apply loop and the raw batched apply of the same rows, measured in the same run; (b) 10,000 ops all in
 * conflict, last writer wins; (c) the cost of OUR capture triggers (the statement triggers the engine installs
 * on a replica) against the same statements on a table without triggers; (d) the same 10,000 ops through the
 * design floor (syncFloor.ts): the writes every op needs in this sync model, as bare batched SQL, no engine.
 */
import type { Queryable, SqlPort } from '../src/core/sql';
import { Playground } from '../src/core/sync/playground';
import { openPgliteFromTemplate } from '../src/db/template';
import type { BenchContext, BenchRow } from './benchTypes';
import { median } from './stats';
import { COLUMNS, designFloor, UPSERT } from './syncFloor';

export const name = 'sync-engine';

const OPS = 10_000;
const BATCH = 500;
const insertSql = (table: string, from = 1, to = OPS) =>
  `INSERT INTO ${table} SELECT g, 'item ' || g, g % 100 FROM generate_series(${from}, ${to}) g`;

async function world(): Promise<{ pg: Playground; dbs: SqlPort[] }> {
  const dbs = await Promise.all([openPgliteFromTemplate(), openPgliteFromTemplate(), openPgliteFromTemplate()]);
  const pg = await Playground.create({ hub: dbs[0]!, replicas: [{ name: 'A', db: dbs[1]! }, { name: 'B', db: dbs[2]! }] });
  await pg.applySchema(`CREATE TABLE items ${COLUMNS}`);
  return { pg, dbs };
}

async function close(w: { pg: Playground; dbs: SqlPort[] }): Promise<void> {
  w.pg.dispose();
  await Promise.all(w.dbs.map((d) => d.close()));
}

async function count(db: SqlPort, table: string): Promise<number> {
  return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
}

/** (a) A pushes 10k inserts, B pulls them. */
async function noConflict(): Promise<number> {
  const w = await world();
  try {
    await w.pg.replica('A').exec(insertSql('items'));
    const t0 = performance.now();
    await w.pg.syncToEnd('A');
    await w.pg.syncToEnd('B');
    const ms = performance.now() - t0;
    if ((await count(w.dbs[2]!, 'items')) !== OPS) throw new Error('sync-engine bench: B did not get every row');
    return ms;
  } finally {
    await close(w);
  }
}

/** (b) A and B update the same 10k synced rows; B's sync then conflicts on every one (last writer wins). */
async function allConflict(): Promise<number> {
  const w = await world();
  try {
    await w.pg.seed(insertSql('items'));
    await w.pg.replica('A').exec('UPDATE items SET qty = qty + 1');
    await w.pg.replica('B').exec('UPDATE items SET qty = qty + 2');
    await w.pg.syncToEnd('A');
    const t0 = performance.now();
    await w.pg.syncToEnd('B');
    const ms = performance.now() - t0;
    if ((await w.pg.conflicts()).length !== OPS) throw new Error('sync-engine bench: expected a conflict per op');
    return ms;
  } finally {
    await close(w);
  }
}

/** The anchors: the same 10k rows applied to a plain table, one statement per row or one per 500 rows. */
async function anchors(): Promise<{ perOp: number; batched: number }> {
  const db = await openPgliteFromTemplate();
  try {
    const rows = Array.from({ length: OPS }, (_, i) => ({ id: i + 1, name: `item ${i + 1}`, qty: (i + 1) % 100 }));
    await db.exec(`CREATE TABLE per_op ${COLUMNS}; CREATE TABLE batched ${COLUMNS}`);
    let t0 = performance.now();
    await db.transaction(async (tx: Queryable) => {
      for (const r of rows) await tx.query(`INSERT INTO per_op VALUES ($1, $2, $3) ${UPSERT}`, [r.id, r.name, r.qty]);
    });
    const perOp = performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < OPS; i += BATCH) {
      await db.transaction((tx) =>
        tx.query(`INSERT INTO batched SELECT * FROM jsonb_populate_recordset(NULL::batched, $1::jsonb) ${UPSERT}`, [
          JSON.stringify(rows.slice(i, i + BATCH)),
        ]),
      );
    }
    const batched = performance.now() - t0;
    if ((await count(db, 'per_op')) !== OPS || (await count(db, 'batched')) !== OPS) throw new Error('sync-engine bench: anchor lost rows');
    return { perOp, batched };
  } finally {
    await db.close();
  }
}

type Capture = 'insert 10k' | 'update 10k' | '1k single-row inserts';

/** (c) One workload on replica A's captured `items` and on an untracked copy `plain`, same database. */
async function capture(workload: Capture): Promise<{ captured: number; plain: number }> {
  const w = await world();
  try {
    const a = w.pg.replica('A');
    await w.dbs[1]!.exec(`CREATE TABLE plain ${COLUMNS}`); // created outside the playground: not tracked
    const time = async (table: string, db: Queryable) => {
      const t0 = performance.now();
      if (workload === 'insert 10k') await db.query(insertSql(table));
      else if (workload === 'update 10k') await db.query(`UPDATE ${table} SET qty = qty + 1`);
      else for (let i = 1; i <= 1000; i++) await db.query(`INSERT INTO ${table} VALUES ($1, $2, $3)`, [i, `item ${i}`, i % 100]);
      return performance.now() - t0;
    };
    if (workload === 'update 10k') {
      await w.pg.seed(insertSql('items'));
      await w.dbs[1]!.query(insertSql('plain'));
    }
    const plain = await time('plain', w.dbs[1]!);
    const captured = await time('items', w.dbs[1]!);
    const queued = (await a.counts()).pending;
    if (queued !== (workload === '1k single-row inserts' ? 1000 : OPS)) throw new Error(`sync-engine bench: ${workload} captured ${queued} ops`);
    return { captured, plain };
  } finally {
    await close(w);
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const s = { sync: [] as number[], lww: [] as number[], perOp: [] as number[], batched: [] as number[], floor: [] as number[] };
  const cap = new Map<Capture, { captured: number[]; plain: number[] }>();
  const workloads: Capture[] = ['insert 10k', 'update 10k', '1k single-row inserts'];
  for (let i = 0; i < ctx.runs + 1; i++) {
    ctx.log(`sync-engine run ${i + 1}/${ctx.runs + 1} (the first is a warm-up)`);
    const a = await anchors();
    const sync = await noConflict();
    const lww = await allConflict();
    const floor = await designFloor(OPS, BATCH);
    const c: { captured: number; plain: number }[] = [];
    for (const wl of workloads) c.push(await capture(wl));
    if (i === 0) continue;
    s.perOp.push(a.perOp);
    s.batched.push(a.batched);
    s.sync.push(sync);
    s.lww.push(lww);
    s.floor.push(floor);
    workloads.forEach((wl, k) => {
      const e = cap.get(wl) ?? { captured: [], plain: [] };
      e.captured.push(c[k]!.captured);
      e.plain.push(c[k]!.plain);
      cap.set(wl, e);
    });
  }
  const opsPerS = (ms: number[]) => ms.map((x) => (OPS / x) * 1000);
  return [
    {
      suite: name,
      figure: { label: `${OPS} ops push+pull, no conflict`, unit: 'ops/s', samples: opsPerS(s.sync) },
      anchor: { label: `per-op apply loop, ${OPS} upserts`, unit: 'ops/s', samples: opsPerS(s.perOp) },
      target: '≥ 13x',
    },
    {
      suite: name,
      figure: { label: `${OPS} ops push+pull, no conflict`, unit: 'ops/s', samples: opsPerS(s.sync) },
      anchor: { label: `raw batched apply, ${BATCH} per statement`, unit: 'ops/s', samples: opsPerS(s.batched) },
      target: '≥ 0.55x',
    },
    {
      suite: name,
      figure: { label: `${OPS} ops push+pull, no conflict`, unit: 'ops/s', samples: opsPerS(s.sync) },
      anchor: { label: `design floor: bare batched SQL of the writes each op needs`, unit: 'ops/s', samples: opsPerS(s.floor) },
      target: `none: the 50,000 ops/s target is ${(50_000 / median(opsPerS(s.floor))).toFixed(1)}x this floor`,
    },
    {
      suite: name,
      figure: { label: `${OPS} ops all-conflict LWW (B's sync)`, unit: 'ops/s', samples: opsPerS(s.lww) },
      anchor: { label: `${OPS} ops push+pull, no conflict`, unit: 'ops/s', samples: opsPerS(s.sync) },
      target: '≥ 20,000 ops/s',
    },
    ...workloads.map(
      (wl): BenchRow => ({
        suite: name,
        figure: { label: `${wl}, engine capture triggers`, unit: 'ms', samples: cap.get(wl)!.captured },
        anchor: { label: `${wl}, no trigger`, unit: 'ms', samples: cap.get(wl)!.plain },
        target: wl === '1k single-row inserts' ? '≤ 1.3x' : '≤ 2.5x',
      }),
    ),
  ];
}
