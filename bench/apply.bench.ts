/**
 * (d) Applying a batch of 500 pulled or pushed operations: one upsert per operation (a round trip each, to a
 * worker) against one set-based statement, `INSERT … SELECT FROM jsonb_populate_recordset($1) ON CONFLICT DO
 * UPDATE`. These are the anchors for sync throughput: the engine cannot apply faster than the set-based figure.
 */
import type { Queryable, SqlPort } from '../src/core/sql';
import { openPgliteFromTemplate } from '../src/db/template';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import type { BenchContext, BenchRow } from './benchTypes';

export const name = 'apply';

const BATCH = 500;
const SCHEMA = `
  DROP TABLE IF EXISTS items;
  CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL, price numeric(10,2), updated_at timestamptz NOT NULL);
  INSERT INTO items SELECT g, 'seed ' || g, 0, 1.00, now() FROM generate_series(1, ${BATCH / 2}) g;`;

interface Op {
  id: number;
  name: string;
  qty: number;
  price: string;
  updated_at: string;
}

/** Half updates of seeded rows, half inserts, in a shuffled (but repeatable) order. */
function batch(seed: number): Op[] {
  const ops = Array.from({ length: BATCH }, (_, i) => ({
    id: i + 1,
    name: `item ${i + 1} v${seed}`,
    qty: (i * 7 + seed) % 100,
    price: ((i % 50) + 0.99).toFixed(2),
    updated_at: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  }));
  for (let i = ops.length - 1; i > 0; i--) {
    const j = (i * 7919 + seed) % (i + 1);
    [ops[i], ops[j]] = [ops[j]!, ops[i]!];
  }
  return ops;
}

async function perOp(tx: Queryable, ops: Op[]): Promise<void> {
  for (const o of ops) {
    await tx.query(
      `INSERT INTO items (id, name, qty, price, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price, updated_at = EXCLUDED.updated_at`,
      [o.id, o.name, o.qty, o.price, o.updated_at],
    );
  }
}

async function setBased(tx: Queryable, ops: Op[]): Promise<void> {
  await tx.query(
    `INSERT INTO items SELECT * FROM jsonb_populate_recordset(NULL::items, $1::jsonb)
     ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, qty = EXCLUDED.qty, price = EXCLUDED.price, updated_at = EXCLUDED.updated_at`,
    [JSON.stringify(ops)],
  );
}

async function timed(db: SqlPort, fn: (tx: Queryable, ops: Op[]) => Promise<void>, seed: number): Promise<number> {
  await db.exec(SCHEMA);
  const ops = batch(seed);
  const t0 = performance.now();
  await db.transaction((tx) => fn(tx, ops));
  const ms = performance.now() - t0;
  const n = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items');
  if (n.rows[0]!.n !== BATCH) throw new Error(`apply bench: expected ${BATCH} rows, found ${n.rows[0]!.n}`);
  return ms;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const worker = await openPgliteWorker();
  const local = await openPgliteFromTemplate();
  const s = { workerPerOp: [] as number[], workerSet: [] as number[], localPerOp: [] as number[], localSet: [] as number[] };
  try {
    for (let i = 0; i < ctx.runs + 1; i++) {
      ctx.log(`apply run ${i + 1}/${ctx.runs + 1} (the first is a warm-up)`);
      const r = [
        await timed(worker, perOp, i),
        await timed(worker, setBased, i),
        await timed(local, perOp, i),
        await timed(local, setBased, i),
      ];
      if (i === 0) continue;
      s.workerPerOp.push(r[0]!);
      s.workerSet.push(r[1]!);
      s.localPerOp.push(r[2]!);
      s.localSet.push(r[3]!);
    }
  } finally {
    await Promise.all([worker.close(), local.close()]);
  }
  const per = `per ${BATCH} ops`;
  return [
    {
      suite: name,
      figure: { label: `set-based upsert ${per} (worker)`, unit: 'ms', samples: s.workerSet },
      anchor: { label: `one upsert per op (worker)`, unit: 'ms', samples: s.workerPerOp },
    },
    {
      suite: name,
      figure: { label: `set-based upsert ${per} (in-thread)`, unit: 'ms', samples: s.localSet },
      anchor: { label: `one upsert per op (in-thread)`, unit: 'ms', samples: s.localPerOp },
    },
    {
      suite: name,
      figure: { label: `one upsert per op, ${per} (worker)`, unit: 'ms', samples: s.workerPerOp },
      anchor: { label: `same, in-thread (round-trip cost)`, unit: 'ms', samples: s.localPerOp },
    },
  ];
}
