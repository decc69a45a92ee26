/**
 * What a served client pays per statement on the localhost server, and what its own session costs on top:
 * - a plain node-postgres client (no session settings: the server adds no round trip), against the same INSERT
 *   through the worker port directly;
 * - a client with startup settings (application_name, search_path): they are applied when it gets the session and
 *   set back when its turn ends (two round trips per turn);
 * - a client that changes a setting in every transaction: the session's settings are read back after it.
 */
import pg from 'pg';
import type { BenchContext, BenchRow, Measure } from './benchTypes';
import { openPgliteWorker } from '../src/db/worker/openPgliteWorker';
import { workerProtocolTarget } from '../src/db/serve/protocolTarget';
import { WireServer } from '../src/db/serve/wireServer';

export const name = 'serve';

const STATEMENTS = 300;

async function perStatement(run: (i: number) => Promise<unknown>): Promise<number> {
  const t = performance.now();
  for (let i = 0; i < STATEMENTS; i++) await run(i);
  return (performance.now() - t) / STATEMENTS;
}

export async function run(ctx: BenchContext): Promise<BenchRow[]> {
  const db = await openPgliteWorker();
  await db.exec('CREATE TABLE note (id bigserial PRIMARY KEY, body text)');
  const server = await WireServer.start(workerProtocolTarget(db));
  const m = (label: string): Measure & { samples: number[] } => ({ label, unit: 'ms', samples: [] });
  const direct = m('INSERT through the worker port (no server)');
  const plain = m('INSERT over localhost, plain pg client');
  const settled = m('INSERT over localhost, client with startup settings');
  const setting = m('SET + INSERT per transaction over localhost');
  try {
    for (let r = 0; r < ctx.runs; r++) {
      ctx.log(`serve run ${r + 1}/${ctx.runs}`);
      direct.samples.push(await perStatement((i) => db.query('INSERT INTO note (body) VALUES ($1)', [`d${i}`])));
      const a = new pg.Client({ connectionString: server.connectionString });
      const b = new pg.Client({ connectionString: server.connectionString, application_name: 'bench', options: '-c search_path=public' });
      await Promise.all([a.connect(), b.connect()]);
      try {
        plain.samples.push(await perStatement((i) => a.query('INSERT INTO note (body) VALUES ($1)', [`a${i}`])));
        settled.samples.push(await perStatement((i) => b.query('INSERT INTO note (body) VALUES ($1)', [`b${i}`])));
        setting.samples.push(await perStatement((i) => a.query(`SET application_name = 'n${i}'; INSERT INTO note (body) VALUES ('s${i}')`)));
      } finally {
        await Promise.all([a.end(), b.end()]);
      }
    }
  } finally {
    await server.stop();
    await db.close();
  }
  return [
    { suite: name, figure: plain, anchor: direct, note: `${STATEMENTS} autocommit INSERTs, one client` },
    { suite: name, figure: settled, anchor: plain, note: 'settings applied at each turn and set back after it' },
    { suite: name, figure: setting, anchor: plain, note: 'settings read back after each transaction that SETs' },
  ];
}
