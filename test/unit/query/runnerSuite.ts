import assert from 'node:assert/strict';
import type { QueryConsole } from '../../../src/core/query/queryConsole';
import { runScript } from './runRecorder';

/** The runner's behaviour on a real database (PGlite here, pg in test/pg/query). */
export function describeRunner(open: () => Promise<QueryConsole>) {
  describe('query runner', () => {
    let qc: QueryConsole;
    before(async () => {
      qc = await open();
    });
    after(() => qc.close());

    it('runs several statements in order with psql command tags and one result set each', async () => {
      const { rec, final } = await runScript(
        qc,
        `DROP TABLE IF EXISTS items;
         CREATE TABLE items (id int PRIMARY KEY, name text);
         INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 5) g;
         UPDATE items SET name = upper(name) WHERE id <= 3;
         DELETE FROM items WHERE id = 5;
         SELECT id, name FROM items ORDER BY id;`,
      );
      assert.equal(final.state, 'done');
      assert.deepEqual(
        final.statements.map((s) => s.commandTag),
        ['DROP TABLE', 'CREATE TABLE', 'INSERT 0 5', 'UPDATE 3', 'DELETE 1', 'SELECT 4'],
      );
      assert.deepEqual(rec.rowsOf(5), [[1, 'ITEM 1'], [2, 'ITEM 2'], [3, 'ITEM 3'], [4, 'item 4']]);
      assert.deepEqual(final.statements[5]!.columns.map((c) => c.typeName), ['int4', 'text']);
      assert.ok(final.statements.every((s) => s.durationMs >= 0 && !s.hasMore));
    });

    it('keeps one session: BEGIN … ROLLBACK undoes, BEGIN … COMMIT keeps, even across runs', async () => {
      await runScript(qc, 'DROP TABLE IF EXISTS tx; CREATE TABLE tx (id int)');
      const rolled = await runScript(qc, 'BEGIN; INSERT INTO tx VALUES (1); ROLLBACK; SELECT count(*) FROM tx');
      assert.deepEqual(rolled.rec.rowsOf(3), [['0']]);
      assert.deepEqual(rolled.final.statements.map((s) => s.commandTag), ['BEGIN', 'INSERT 0 1', 'ROLLBACK', 'SELECT 1']);
      await runScript(qc, 'BEGIN; INSERT INTO tx VALUES (2)');
      const committed = await runScript(qc, 'COMMIT; SELECT id FROM tx');
      assert.deepEqual(committed.rec.rowsOf(1), [[2]]);
    });

    it('stops at the first error with Postgres message, code, hint and position inside the statement', async () => {
      const { final } = await runScript(qc, "SELECT 1;\nSELECT nope FROM items;\nSELECT 3");
      assert.equal(final.state, 'failed');
      assert.equal(final.statements.length, 1);
      assert.deepEqual(
        { index: final.error!.index, code: final.error!.code, position: final.error!.position, sql: final.error!.sql },
        { index: 1, code: '42703', position: 8, sql: 'SELECT nope FROM items' },
      );
      assert.match(final.error!.message, /column "nope" does not exist/);
      const dup = await runScript(qc, "INSERT INTO items VALUES (1, 'again')");
      assert.equal(dup.final.error!.code, '23505');
      assert.match(dup.final.error!.detail ?? '', /Key \(id\)=\(1\) already exists/);
    });

    it('stops at the row cap, says there is more, and fetches more in order', async () => {
      const { run, rec, final } = await runScript(qc, 'SELECT g FROM generate_series(1, 2500) g', 1000, 300);
      const st = final.statements[0]!;
      assert.deepEqual([st.rowsLoaded, st.hasMore], [1000, true]);
      assert.deepEqual(rec.rows(st.resultId).map((r) => r[0]), Array.from({ length: 1000 }, (_, i) => i + 1));
      assert.ok(rec.pages.length >= 4, 'rows arrive in pages');
      const p2 = await run.fetchMore(st.resultId);
      assert.deepEqual([p2!.start, p2!.rows.length, p2!.hasMore], [1000, 1000, true]);
      const p3 = await run.fetchMore(st.resultId);
      assert.deepEqual([p3!.start, p3!.rows.length, p3!.hasMore], [2000, 500, false]);
      assert.deepEqual(rec.rows(st.resultId).map((r) => r[0]), Array.from({ length: 2500 }, (_, i) => i + 1));
      assert.equal(rec.last.statements[0]!.commandTag, 'SELECT 2500');
      assert.equal(rec.last.statements[0]!.hasMore, false);
      assert.equal(await run.fetchMore(st.resultId), undefined);
    });

    it('a capped statement before others still reports its full count, and the next statements run', async () => {
      const { rec, final } = await runScript(qc, 'SELECT g FROM generate_series(1, 1500) g; SELECT 2', 1000);
      assert.equal(final.state, 'done');
      assert.deepEqual(final.statements.map((s) => [s.commandTag, s.rowsLoaded, s.hasMore]), [
        ['SELECT 1500', 1000, false],
        ['SELECT 1', 1, false],
      ]);
      assert.deepEqual(rec.rowsOf(1), [[2]]);
    });

    it('a new run closes the previous run\'s open rows', async () => {
      const first = await runScript(qc, 'SELECT g FROM generate_series(1, 50) g', 10);
      assert.equal(first.final.statements[0]!.hasMore, true);
      const second = await runScript(qc, 'SELECT 1');
      assert.equal(second.final.state, 'done');
      assert.equal(first.run.hasOpenRows, false);
      assert.equal(await first.run.fetchMore(first.final.statements[0]!.resultId), undefined);
    });
  });
}
