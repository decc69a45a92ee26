import assert from 'node:assert/strict';
import { QueryConsole } from '../../../src/core/query/queryConsole';
import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { PgSqlPort } from '../../../src/db/pgPort';
import { describeRunner } from '../../unit/query/runnerSuite';
import { describeValueSerialisation } from '../../unit/query/valueSuite';
import { runScript } from '../../unit/query/runRecorder';
import { splitStatements } from '../../../src/core/query/splitStatements';
import { pg } from '../hooks';

describe('SQL playground on PostgreSQL (pg)', () => {
  let port: PgSqlPort;
  before(async () => {
    port = PgSqlPort.fromConfig({ ...(await pg().createDatabase('query_playground')), max: 4 });
  });
  after(() => port.close());
  const open = async () => new QueryConsole(() => openQuerySession(port));
  describeRunner(open);
  describeValueSerialisation(open);

  describe('pg specifics', () => {
    let qc: QueryConsole;
    before(async () => {
      qc = await open();
    });
    after(() => qc.close());

    it('pages with a server-side cursor: the backend is still inside the portal while rows are open', async () => {
      const { run, final } = await runScript(qc, 'SELECT g FROM generate_series(1, 100000) g', 100);
      const st = final.statements[0]!;
      assert.deepEqual([st.rowsLoaded, st.hasMore, st.commandTag], [100, true, 'SELECT']);
      // the held connection is busy in its portal ("active"/"idle in transaction"-like extended protocol state)
      const seen = await port.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query = 'SELECT g FROM generate_series(1, 100000) g'",
      );
      assert.equal(seen.rows[0]!.n, '1');
      const page = await run.fetchMore(st.resultId, 250);
      assert.deepEqual([page!.start, page!.rows.length, page!.rows[0]![0], page!.hasMore], [100, 250, 101, true]);
      await run.dispose();
    });

    it('cancels a running statement on the server (pg_sleep) and skips the rest', async () => {
      const rec = { onSnapshot() {}, onRows() {} };
      const run = await qc.run(splitStatements('SELECT 1; SELECT pg_sleep(30); SELECT 3'), { target: 't', rowCap: 10 }, rec);
      // wait until the sleep is really running on the server, then cancel
      for (let i = 0; i < 200; i++) {
        const r = await port.query<{ n: string }>("SELECT count(*) AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(30)%' AND state = 'active'");
        if (r.rows[0]!.n === '1') break;
        await new Promise((res) => setTimeout(res, 50));
      }
      await run.cancel();
      const final = await run.done;
      assert.equal(final.state, 'cancelled');
      assert.deepEqual(final.statements.map((s) => s.commandTag), ['SELECT 1']);
      const after = await runScript(qc, 'SELECT 42');
      assert.deepEqual(after.rec.rowsOf(0), [[42]], 'the session is usable after a cancel');
    });
  });
});
