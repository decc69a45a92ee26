/**
 * Where a sync's time goes, statement by statement: 10,000 captured ops pushed by A and pulled by B (or, with
 * `lww`, 10,000 ops of B all in conflict with A's, last writer wins), with every statement each database runs
 * timed and grouped. Not part of `npm run bench`: a profiling aid for the engine's SQL.
 *
 *   node --import tsx bench/syncProfile.ts [noconflict|lww] [--pg] [--batch N] [--explain "text of a statement"]
 *
 * `--pg` puts the hub on a real PostgreSQL server started for the run; `--explain` prints EXPLAIN ANALYZE of the
 * 6th statement containing that text (inside a savepoint rolled back, so the run is unchanged).
 */
import type { Queryable, SqlPort } from '../src/core/sql';
import { Playground } from '../src/core/sync/playground';
import { openPgliteFromTemplate } from '../src/db/template';
import { PgSqlPort } from '../src/db/pgPort';
import { startPgServer, type PgServer } from '../test/support/pgServer';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const mode = process.argv[2] === 'lww' ? 'lww' : 'noconflict';
const explain = arg('--explain');
const stats = new Map<string, { n: number; ms: number }>();

/** Times every statement `db` (and its transactions) runs, under `name`. */
function timed(name: string, db: SqlPort): void {
  let seen = 0;
  const wrap = (query: Queryable['query']): Queryable['query'] =>
    (async (sql: string, params?: readonly unknown[]) => {
      if (explain && sql.includes(explain) && seen++ === 5) {
        await query('SAVEPOINT sync_profile');
        const plan = await query<Record<string, string>>(`EXPLAIN (ANALYZE, COSTS OFF, SUMMARY ON) ${sql}`, params);
        await query('ROLLBACK TO SAVEPOINT sync_profile');
        console.log(plan.rows.map((r) => Object.values(r)[0]).join('\n'));
      }
      const t0 = performance.now();
      try {
        return await query(sql, params);
      } finally {
        const key = `${name.padEnd(3)} | ${sql.replace(/\s+/g, ' ').slice(0, 110)}`;
        const s = stats.get(key) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - t0;
        stats.set(key, s);
      }
    }) as Queryable['query'];
  const port = db as { query: Queryable['query']; transaction: SqlPort['transaction'] };
  port.query = wrap(db.query.bind(db));
  const transaction = db.transaction.bind(db);
  port.transaction = (fn) => transaction((tx) => fn({ query: wrap(tx.query.bind(tx)), exec: tx.exec.bind(tx) }));
}

async function main(): Promise<void> {
  let server: PgServer | undefined;
  let hub: SqlPort;
  if (process.argv.includes('--pg')) {
    server = await startPgServer({ name: 'sync-profile' });
    hub = PgSqlPort.fromConfig(await server.createDatabase('hub'));
  } else hub = await openPgliteFromTemplate();
  const dbs = [hub, await openPgliteFromTemplate(), await openPgliteFromTemplate()];
  try {
    const batchSize = Number(arg('--batch') ?? 500);
    const pg = await Playground.create({ hub, replicas: [{ name: 'A', db: dbs[1]! }, { name: 'B', db: dbs[2]! }], batchSize });
    await pg.applySchema('CREATE TABLE items (id int PRIMARY KEY, name text NOT NULL, qty int NOT NULL)');
    const insert = `INSERT INTO items SELECT g, 'item ' || g, g % 100 FROM generate_series(1, 10000) g`;
    if (mode === 'noconflict') await pg.replica('A').exec(insert);
    else {
      await pg.seed(insert);
      await pg.replica('A').exec('UPDATE items SET qty = qty + 1');
      await pg.replica('B').exec('UPDATE items SET qty = qty + 2');
      await pg.syncToEnd('A');
    }
    ['hub', 'A', 'B'].forEach((n, i) => timed(n, dbs[i]!));
    const t0 = performance.now();
    if (mode === 'noconflict') {
      await pg.syncToEnd('A');
      console.log(`A pushed and pulled back in ${(performance.now() - t0).toFixed(0)} ms`);
    }
    await pg.syncToEnd('B');
    const total = performance.now() - t0;
    pg.dispose();
    let inStatements = 0;
    for (const s of stats.values()) inStatements += s.ms;
    console.log(`${mode}: ${total.toFixed(0)} ms, ${((10_000 / total) * 1000).toFixed(0)} ops/s; in statements ${inStatements.toFixed(0)} ms`);
    console.log('    ms count db  | statement');
    for (const [k, s] of [...stats].sort((a, b) => b[1].ms - a[1].ms).slice(0, 30)) {
      console.log(`${s.ms.toFixed(0).padStart(6)} ${String(s.n).padStart(5)} ${k}`);
    }
  } finally {
    await Promise.all(dbs.map((d) => d.close()));
    await server?.stop();
  }
}

void main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
