/**
 * (e) The cost of capturing writes into a log table: a row trigger writing to_jsonb(NEW), a statement trigger
 * reading transition tables, and no trigger, for a 10k-row set-based INSERT, a 10k-row UPDATE, and 1,000
 * single-row INSERTs (one statement and one commit each, like a user typing). In-memory worker database, so the
 * figure is CPU, not fsync.
 */
import type { SqlPort } from '../src/core/sql';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import type { BenchContext, BenchRow } from './benchTypes';

export const name = 'capture';

type Variant = 'none' | 'row' | 'statement';
type Workload = 'insert 10k' | 'update 10k' | '1k single-row inserts';

const BASE = `
  DROP TABLE IF EXISTS t CASCADE; DROP TABLE IF EXISTS capture_log;
  CREATE TABLE t (id int PRIMARY KEY, v int NOT NULL, note text);
  CREATE TABLE capture_log (seq bigserial PRIMARY KEY, tbl text NOT NULL, op text NOT NULL, row_after jsonb NOT NULL);`;

const TRIGGERS: Record<Variant, string> = {
  none: '',
  row: `
    CREATE OR REPLACE FUNCTION capture_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO capture_log (tbl, op, row_after) VALUES (TG_TABLE_NAME, TG_OP, to_jsonb(NEW));
      RETURN NULL;
    END $$;
    CREATE TRIGGER t_capture AFTER INSERT OR UPDATE ON t FOR EACH ROW EXECUTE FUNCTION capture_row();`,
  // a trigger with transition tables may have one event only: one per event
  statement: `
    CREATE OR REPLACE FUNCTION capture_stmt() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO capture_log (tbl, op, row_after) SELECT TG_TABLE_NAME, TG_OP, to_jsonb(n) FROM new_rows n;
      RETURN NULL;
    END $$;
    CREATE TRIGGER t_capture_ins AFTER INSERT ON t REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION capture_stmt();
    CREATE TRIGGER t_capture_upd AFTER UPDATE ON t REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION capture_stmt();`,
};

async function measure(db: SqlPort, variant: Variant, workload: Workload): Promise<number> {
  await db.exec(BASE + TRIGGERS[variant]);
  if (workload === 'update 10k') {
    await db.exec("ALTER TABLE t DISABLE TRIGGER USER; INSERT INTO t SELECT g, g, 'row ' || g FROM generate_series(1, 10000) g; ALTER TABLE t ENABLE TRIGGER USER;");
  }
  const t0 = performance.now();
  if (workload === 'insert 10k') await db.query("INSERT INTO t SELECT g, g, 'row ' || g FROM generate_series(1, 10000) g");
  else if (workload === 'update 10k') await db.query('UPDATE t SET v = v + 1');
  else for (let i = 1; i <= 1000; i++) await db.query('INSERT INTO t VALUES ($1, $2, $3)', [i, i, `row ${i}`]);
  const ms = performance.now() - t0;
  const expected = variant === 'none' ? 0 : workload === '1k single-row inserts' ? 1000 : 10000;
  const logged = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM capture_log')).rows[0]!.n;
  if (logged !== expected) throw new Error(`capture bench: ${variant}/${workload} logged ${logged}, expected ${expected}`);
  return ms;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const db = await openPgliteWorker();
  const workloads: Workload[] = ['insert 10k', 'update 10k', '1k single-row inserts'];
  const variants: Variant[] = ['none', 'row', 'statement'];
  const samples = new Map<string, number[]>();
  try {
    for (let i = 0; i < ctx.runs + 1; i++) {
      ctx.log(`capture run ${i + 1}/${ctx.runs + 1} (the first is a warm-up)`);
      for (const w of workloads) {
        // rotate the order each run, so no variant always pays for running first after the DDL
        for (const v of variants.map((_, k) => variants[(k + i) % variants.length]!)) {
          const ms = await measure(db, v, w);
          if (i > 0) samples.set(`${v}/${w}`, [...(samples.get(`${v}/${w}`) ?? []), ms]);
        }
      }
    }
  } finally {
    await db.close();
  }
  return workloads.flatMap((w) =>
    (['row', 'statement'] as const).map(
      (v): BenchRow => ({
        suite: name,
        figure: { label: `${w}, ${v === 'row' ? 'row trigger to_jsonb(NEW)' : 'statement trigger, transition table'}`, unit: 'ms', samples: samples.get(`${v}/${w}`)! },
        anchor: { label: `${w}, no trigger`, unit: 'ms', samples: samples.get(`none/${w}`)! },
      }),
    ),
  );
}
