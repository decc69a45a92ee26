/**
 * Sync throughput on the engine in src/core/sync: 10,000 captured operations pushed by one replica and pulled by
 * another, with no conflicts and with every one a last-writer-wins conflict; the longest stall of this thread
 * while that runs with the databases in workers (against the same sync in-thread); and, with a real PostgreSQL
 * hub, against PostgreSQL's own logical replication of the same 10,000 rows between two clusters.
 */
import type { SqlPort } from '../src/core/sql';
import { Playground } from '../src/core/sync/playground';
import { PgSqlPort } from '../src/db/pgPort';
import { openPgliteFromTemplate } from '../src/db/template';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import { startPgServer, type PgServer } from '../test/support/pgServer';
import type { BenchContext, BenchRow } from './benchTypes';
import { startStallProbe } from './stallProbe';

export const name = 'sync';

const OPS = 10_000;
const SCHEMA = 'CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)';
const INSERT = `INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, ${OPS}) g`;

type Opener = () => Promise<SqlPort>;
const inWorker: Opener = () => openPgliteWorker();
const inThread: Opener = () => openPgliteFromTemplate();

interface Setup {
  pg: Playground;
  dbs: SqlPort[];
}

async function playground(hub: SqlPort, open: Opener): Promise<Setup> {
  const [a, b] = await Promise.all([open(), open()]);
  const pg = await Playground.create({ hub, replicas: [{ name: 'A', db: a! }, { name: 'B', db: b! }] });
  await pg.applySchema(SCHEMA);
  return { pg, dbs: [hub, a!, b!] };
}

async function closeAll(s: Setup): Promise<void> {
  s.pg.dispose();
  await Promise.all(s.dbs.map((d) => d.close()));
}

/** A pushes 10k inserts, B pulls them. Returns the time and the longest stall of this thread. */
async function noConflict(hub: SqlPort, open: Opener): Promise<{ ms: number; stall: number }> {
  const s = await playground(hub, open);
  try {
    await s.pg.replica('A').exec(INSERT);
    const probe = startStallProbe();
    const t0 = performance.now();
    await s.pg.syncToEnd('A');
    await s.pg.syncToEnd('B');
    const ms = performance.now() - t0;
    const stall = probe.stop().maxGapMs;
    await check(s.dbs[2]!, `SELECT count(*)::int AS n FROM items`, OPS);
    return { ms, stall };
  } finally {
    await closeAll(s);
  }
}

/** A and B both update the same 10k synced rows; B's push then conflicts on every row (last writer wins). */
async function allConflict(hub: SqlPort, open: Opener): Promise<number> {
  const s = await playground(hub, open);
  try {
    await s.pg.seed(INSERT); // hub and both replicas hold the rows, synced, nothing queued
    await s.pg.replica('A').exec('UPDATE items SET qty = qty + 1');
    await s.pg.replica('B').exec('UPDATE items SET qty = qty + 2');
    await s.pg.syncToEnd('A');
    const t0 = performance.now();
    await s.pg.syncToEnd('B');
    const ms = performance.now() - t0;
    const conflicts = await s.pg.conflicts();
    if (conflicts.length < OPS) throw new Error(`sync bench: expected ${OPS} conflicts, found ${conflicts.length}`);
    return ms;
  } finally {
    await closeAll(s);
  }
}

async function check(db: SqlPort, sql: string, expected: number): Promise<void> {
  const n = (await db.query<{ n: number }>(sql)).rows[0]!.n;
  if (n !== expected) throw new Error(`sync bench: ${sql} gave ${n}, expected ${expected}`);
}

/** PostgreSQL's logical replication of the same 10k-row insert between two clusters: publish, insert, wait. */
async function nativeLogical(pub: PgServer, sub: PgServer, run: number): Promise<number> {
  const db = `lr${run}`;
  const [pubCfg, subCfg] = await Promise.all([pub.createDatabase(db), sub.createDatabase(db)]);
  const p = PgSqlPort.fromConfig(pubCfg);
  const s = PgSqlPort.fromConfig(subCfg);
  try {
    await p.exec(`${SCHEMA}; CREATE PUBLICATION bench_pub FOR TABLE items`);
    await s.exec(SCHEMA);
    await s.exec(`CREATE SUBSCRIPTION bench_sub CONNECTION 'host=${pub.host} port=${pub.port} user=${pub.user} dbname=${db}' PUBLICATION bench_pub`);
    // the initial table sync must be done before timing, so the figure is the streaming of changes only
    await until(async () => (await s.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_subscription_rel WHERE srsubstate <> 'r'")).rows[0]!.n === 0);
    const t0 = performance.now();
    await p.query(INSERT);
    await until(async () => (await s.query<{ n: number }>('SELECT count(*)::int AS n FROM items')).rows[0]!.n === OPS);
    const ms = performance.now() - t0;
    await s.exec('DROP SUBSCRIPTION bench_sub');
    return ms;
  } finally {
    await Promise.all([p.close(), s.close()]);
  }
}

async function until(cond: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('sync bench: logical replication did not catch up in 120 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const s = { worker: [] as number[], workerStall: [] as number[], thread: [] as number[], threadStall: [] as number[], lww: [] as number[] };
  for (let i = 0; i < ctx.runs; i++) {
    ctx.log(`sync run ${i + 1}/${ctx.runs} (PGlite)`);
    const w = await noConflict(await inWorker(), inWorker);
    s.worker.push(w.ms);
    s.workerStall.push(w.stall);
    const t = await noConflict(await inThread(), inThread);
    s.thread.push(t.ms);
    s.threadStall.push(t.stall);
    s.lww.push(await allConflict(await inWorker(), inWorker));
  }
  const rows: BenchRow[] = [
    {
      suite: name,
      figure: { label: `${OPS} ops push+pull, PGlite workers`, unit: 'ms', samples: s.worker },
      anchor: { label: 'same, PGlite in-thread', unit: 'ms', samples: s.thread },
    },
    {
      suite: name,
      figure: { label: `main-thread stall during ${OPS}-op sync, workers`, unit: 'ms', samples: s.workerStall },
      anchor: { label: 'same, PGlite in-thread', unit: 'ms', samples: s.threadStall },
    },
    {
      suite: name,
      figure: { label: `${OPS} ops all-conflict LWW push (workers)`, unit: 'ms', samples: s.lww },
      anchor: { label: `${OPS} ops no-conflict push+pull (workers)`, unit: 'ms', samples: s.worker },
    },
  ];

  // a real PostgreSQL hub, against native logical replication; skipped (with a note) where no server can start
  let servers: PgServer[] = [];
  try {
    servers = await Promise.all([startPgServer({ name: 'bench-hub' }), startPgServer({ name: 'bench-sub' })]);
  } catch (e) {
    ctx.log(`sync: no PostgreSQL server (${e instanceof Error ? e.message.split('\n')[0] : String(e)}); real-hub figures skipped`);
    return rows;
  }
  try {
    const pgHub: number[] = [];
    const native: number[] = [];
    for (let i = 0; i < ctx.runs; i++) {
      ctx.log(`sync run ${i + 1}/${ctx.runs} (PostgreSQL)`);
      const hub = PgSqlPort.fromConfig(await servers[0]!.createDatabase(`hub${i}`));
      pgHub.push((await noConflict(hub, inWorker)).ms);
      native.push(await nativeLogical(servers[0]!, servers[1]!, i));
    }
    rows.push({
      suite: name,
      figure: { label: `${OPS} ops push+pull, PostgreSQL hub + PGlite workers`, unit: 'ms', samples: pgHub },
      anchor: { label: `${OPS} rows native logical replication`, unit: 'ms', samples: native },
    });
  } finally {
    await Promise.all(servers.map((x) => x.stop()));
  }
  return rows;
}
