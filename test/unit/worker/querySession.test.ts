import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DbError } from '../../../src/core/errors';
import { exportStatement } from '../../../src/core/query/exportResult';
import { QueryConsole } from '../../../src/core/query/queryConsole';
import { splitStatements } from '../../../src/core/query/splitStatements';
import { openQuerySession } from '../../../src/db/query/openQuerySession';
import { openPgliteWorker } from '../../../src/db/worker/openPgliteWorker';
import type { WorkerSqlPort } from '../../../src/db/worker/workerPort';
import { RunRecorder, runScript } from '../query/runRecorder';

/** Every wait here is bounded: a session that hangs fails the test with a message instead of timing out mocha. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

// The worker's own query session: rows read page by page from a portal, while the database stays usable.
describe('query session on a PGlite worker', () => {
  let db: WorkerSqlPort;
  let qc: QueryConsole;
  before(async () => {
    db = await openPgliteWorker();
    qc = new QueryConsole(() => openQuerySession(db));
  });
  after(async () => {
    await qc?.close();
    await db?.close();
  });

  it('a 200,000-row SELECT: the first page arrives, fetch more continues where it stopped, and the full read has every row', async () => {
    const { run, rec, final } = await within(60_000, runScript(qc, 'SELECT g AS n, g::int8 * 1000000000000 AS big FROM generate_series(1, 200000) g', 1000), 'the run');
    assert.equal(final.state, 'done');
    assert.deepEqual(rec.rowsOf(0).slice(0, 2), [[1, '1000000000000'], [2, '2000000000000']]);
    assert.equal(final.statements[0]!.hasMore, true);
    const next = await within(30_000, run.fetchMore(final.statements[0]!.resultId, 1000), 'fetch more');
    assert.deepEqual([next!.start, next!.rows[0]], [1000, [1001, '1001000000000000']]);
    const rest = await within(60_000, run.fetchMore(final.statements[0]!.resultId, 500_000), 'the full read');
    assert.equal(rest!.hasMore, false);
    const all = rec.rows(final.statements[0]!.resultId);
    assert.equal(all.length, 200_000);
    assert.deepEqual(all.at(-1), [200000, '200000000000000000']);
    assert.equal(run.snapshot.statements[0]!.commandTag, 'SELECT 200000');
  });

  it('DML … RETURNING gives exact values and exact command tags, and is committed even with rows left unread', async () => {
    await runScript(qc, 'DROP TABLE IF EXISTS ret; CREATE TABLE ret (id int8 PRIMARY KEY, at timestamp, amount numeric)');
    const ins = await runScript(
      qc,
      "INSERT INTO ret SELECT 9223372036854775800 + g, '2024-02-29 13:14:15.123456'::timestamp, 0.1 + g FROM generate_series(1, 5) g RETURNING id, at, amount, id",
      2,
    );
    assert.equal(ins.final.statements[0]!.commandTag, 'INSERT 0 5');
    assert.deepEqual(ins.rec.rowsOf(0), [
      ['9223372036854775801', '2024-02-29T13:14:15.123456', '1.1', '9223372036854775801'],
      ['9223372036854775802', '2024-02-29T13:14:15.123456', '2.1', '9223372036854775802'],
    ]);
    assert.equal(ins.final.statements[0]!.hasMore, true);
    // another user of the database sees all five rows while the runner still holds the last three
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ret')).rows[0]!.n, 5);
    const upd = await runScript(qc, 'UPDATE ret SET amount = amount * 2 WHERE id > 9223372036854775803 RETURNING amount');
    assert.deepEqual([upd.final.statements[0]!.commandTag, upd.rec.rowsOf(0)], ['UPDATE 2', [['8.2'], ['10.2']]]);
    const del = await runScript(qc, 'DELETE FROM ret RETURNING id');
    assert.equal(del.final.statements[0]!.commandTag, 'DELETE 5');
  });

  it('another statement on the database during open rows runs at once; the rows then say they are gone, and the next run works', async () => {
    const { run, final } = await runScript(qc, 'SELECT g FROM generate_series(1, 50000) g', 100);
    assert.equal(final.statements[0]!.hasMore, true);
    // a sync or the localhost server would do this: a transaction of its own on the same database
    await within(10_000, db.transaction(async (tx) => tx.exec('DROP TABLE IF EXISTS other; CREATE TABLE other (x int); INSERT INTO other VALUES (1)')), 'a transaction');
    assert.equal((await within(10_000, db.query<{ n: number }>('SELECT count(*)::int AS n FROM other'), 'a query')).rows[0]!.n, 1);
    // rows already on the host (the rest of the first page) still come; then the portal is found closed
    // SQLSTATE 34000 (invalid_cursor_name) is what the results panel turns into its "Run again" button
    await assert.rejects(
      within(10_000, run.fetchMore(final.statements[0]!.resultId, 5000), 'fetch more'),
      (e: unknown) => DbError.is(e) && e.code === '34000' && /no longer available.*Run the query again/.test(e.message),
    );
    const again = await within(10_000, runScript(qc, 'SELECT x FROM other'), 'the next run');
    assert.deepEqual(again.rec.rowsOf(0), [[1]]);
  });

  it('a statement from elsewhere that arrives during a run\'s first pages waits for them: the run gets all its first rows', async () => {
    const rec = new RunRecorder();
    let other: Promise<unknown> | undefined;
    const onRows = rec.onRows.bind(rec);
    rec.onRows = (p) => {
      onRows(p);
      other ??= db.query('SELECT 1 AS one'); // what a sync does while the grid fills
    };
    const run = await qc.run(splitStatements('SELECT g FROM generate_series(1, 50000) g'), { target: 'test', rowCap: 5000, pageSize: 100 }, rec);
    const final = await within(30_000, run.done, 'the run');
    await within(10_000, other!, 'the other statement');
    assert.equal(final.state, 'done', JSON.stringify(final.error));
    assert.equal(rec.rowsOf(0).length, 5000);
    assert.deepEqual(rec.rowsOf(0).at(-1), [5000]);
  });

  it('an export in its own session while a run has open rows: the export gets every row, the run\'s rows are closed', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sp-export-'));
    try {
      const { run, final } = await runScript(qc, 'SELECT g FROM generate_series(1, 30000) g', 100);
      const session = await openQuerySession(db);
      const file = path.join(dir, 'all.csv');
      const n = await within(60_000, exportStatement(session, 'SELECT g, g * 2 AS twice FROM generate_series(1, 30000) g', { format: 'csv', file, pageSize: 4000 }), 'the export');
      await session.release();
      assert.equal(n, 30_000);
      const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
      assert.deepEqual([lines.length, lines[0], lines[1], lines.at(-1)], [30_001, 'g,twice', '1,2', '30000,60000']);
      await assert.rejects(run.fetchMore(final.statements[0]!.resultId, 5000), /no longer available/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a script\'s own BEGIN … COMMIT holds open rows inside the transaction; COMMIT in the next run keeps the work', async () => {
    await runScript(qc, 'DROP TABLE IF EXISTS txrows; CREATE TABLE txrows (id int)');
    const { run, final } = await runScript(qc, 'BEGIN; INSERT INTO txrows SELECT generate_series(1, 3000); SELECT id FROM txrows ORDER BY id', 1000);
    assert.deepEqual(final.statements.map((s) => s.commandTag), ['BEGIN', 'INSERT 0 3000', 'SELECT']);
    const more = await run.fetchMore(final.statements[2]!.resultId, 5000);
    assert.deepEqual([more!.rows.length, more!.rows.at(-1), more!.hasMore], [2000, [3000], false]);
    assert.equal(run.snapshot.statements[2]!.commandTag, 'SELECT 3000');
    const done = await runScript(qc, 'COMMIT; SELECT count(*) FROM txrows');
    assert.deepEqual(done.rec.rowsOf(1), [['3000']]);
    const rolled = await runScript(qc, 'BEGIN; DELETE FROM txrows; SELECT id FROM txrows');
    assert.equal(rolled.final.statements[2]!.commandTag, 'SELECT 0');
    await runScript(qc, 'ROLLBACK');
    assert.equal((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM txrows')).rows[0]!.n, 3000);
  });

  it('an error half-way through the rows is reported with its code, and the session goes on', async () => {
    const { run, final } = await runScript(qc, 'SELECT 1 / (g - 1500) AS x FROM generate_series(1, 3000) g', 1000);
    assert.equal(final.statements[0]!.hasMore, true);
    await assert.rejects(run.fetchMore(final.statements[0]!.resultId, 5000), (e: unknown) => DbError.is(e) && e.code === '22012' && e.sql.startsWith('SELECT 1 / (g - 1500)'));
    const after = await runScript(qc, 'SELECT 2 AS two');
    assert.deepEqual(after.rec.rowsOf(0), [[2]]);
  });

  it('refuses COPY … FROM STDIN with a clear message instead of waiting for data', async () => {
    await runScript(qc, 'DROP TABLE IF EXISTS cp; CREATE TABLE cp (x int)');
    const { final } = await within(10_000, runScript(qc, 'COPY cp FROM STDIN'), 'COPY');
    assert.equal(final.state, 'failed');
    assert.match(final.error!.message, /COPY … FROM STDIN cannot be used here/);
    assert.deepEqual((await runScript(qc, 'SELECT count(*) FROM cp')).rec.rowsOf(0), [['0']]);
  });

  it('in memory, cancel stops before the next statement: the running one finishes, the rest never run', async () => {
    await runScript(qc, 'DROP TABLE IF EXISTS after_cancel');
    const rec = { onSnapshot() {}, onRows() {} };
    const run = await qc.run(
      splitStatements('SELECT count(*) FROM generate_series(1, 2000000); CREATE TABLE after_cancel (x int); SELECT 1'),
      { target: 'test', rowCap: 100 },
      rec,
    );
    await run.cancel();
    const final = await within(30_000, run.done, 'the cancelled run');
    assert.equal(final.state, 'cancelled');
    assert.ok(final.statements.length <= 1);
    const exists = await db.query<{ t: string | null }>("SELECT to_regclass('after_cancel')::text AS t");
    assert.equal(exists.rows[0]!.t, null);
  });
});
