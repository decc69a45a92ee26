import assert from 'node:assert/strict';
import { ClosedError, DbError } from '../../src/core/errors';
import type { SqlPort } from '../../src/core/sql';

/**
 * What every SqlPort promises, whatever sits behind it (PGlite in this thread, PGlite in a worker, node-postgres).
 * Each implementation's test file calls this with a way to open a fresh database.
 */
export function sqlPortContract(name: string, open: () => Promise<SqlPort>): void {
  describe(`SQL port contract: ${name}`, () => {
    let db: SqlPort;
    before(async () => {
      db = await open();
    });
    after(() => db?.close());

    it('runs a parameterised query and names its columns', async () => {
      const r = await db.query<{ a: number; t: string }>('SELECT $1::int + 2 AS a, $2::text AS t', [40, 'x']);
      assert.deepEqual(r.rows, [{ a: 42, t: 'x' }]);
      assert.deepEqual(r.fields.map((f) => f.name), ['a', 't']);
      assert.equal(r.fields[0]!.dataTypeID, 23);
    });

    it('keeps SQL, parameters, code and position on errors', async () => {
      await assert.rejects(db.query('SELECT nope FROM pg_class WHERE relname = $1', ['x']), (e: unknown) => {
        assert.ok(DbError.is(e));
        assert.equal(e.code, '42703');
        assert.equal(e.position, 8);
        assert.equal(e.sql, 'SELECT nope FROM pg_class WHERE relname = $1');
        assert.deepEqual(e.params, ['x']);
        assert.match(e.message, /nope/);
        return true;
      });
    });

    it('keeps detail, constraint and table on a constraint violation', async () => {
      await db.exec('CREATE TABLE t_uniq (id int PRIMARY KEY)');
      await db.query('INSERT INTO t_uniq VALUES (1)');
      await assert.rejects(db.query('INSERT INTO t_uniq VALUES ($1)', [1]), (e: unknown) => {
        assert.ok(DbError.is(e));
        assert.equal(e.code, '23505');
        assert.equal(e.constraint, 't_uniq_pkey');
        assert.equal(e.table, 't_uniq');
        assert.match(e.detail ?? '', /Key \(id\)=\(1\) already exists/);
        return true;
      });
    });

    it('commits a transaction and rolls back a failed one', async () => {
      await db.exec('CREATE TABLE t_tx (id int PRIMARY KEY)');
      const out = await db.transaction(async (tx) => {
        await tx.query('INSERT INTO t_tx VALUES ($1)', [1]);
        return 'done';
      });
      assert.equal(out, 'done');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t_tx VALUES ($1)', [2]);
          await tx.query('INSERT INTO t_tx VALUES ($1)', [1]); // duplicate key
        }),
        (e: unknown) => DbError.is(e) && e.code === '23505',
      );
      const r = await db.query<{ id: number }>('SELECT id FROM t_tx ORDER BY id');
      assert.deepEqual(r.rows.map((x) => x.id), [1]);
    });

    it('does not let a statement issued outside a transaction be rolled back with it', async () => {
      await db.exec('CREATE TABLE t_iso (id int)');
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const tx = db.transaction(async (t) => {
        await t.query('INSERT INTO t_iso VALUES (1)');
        await gate;
        throw new Error('abort on purpose');
      });
      const outside = db.query('INSERT INTO t_iso VALUES (2)');
      release();
      await assert.rejects(tx, /abort on purpose/);
      await outside;
      const r = await db.query<{ id: number }>('SELECT id FROM t_iso ORDER BY id');
      assert.deepEqual(r.rows.map((x) => x.id), [2]);
    });

    it('fails loudly when a caught error aborted the transaction, instead of committing nothing in silence', async () => {
      await db.exec('CREATE TABLE t_swallow (id int PRIMARY KEY)');
      await assert.rejects(
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO t_swallow VALUES (1)');
          await tx.query('INSERT INTO t_swallow VALUES (1)').catch(() => undefined); // error swallowed
        }),
        (e: unknown) => DbError.is(e) && e.code === '25P02' && /rolled back/.test(e.message),
      );
      const r = await db.query('SELECT * FROM t_swallow');
      assert.equal(r.rows.length, 0);
      // the database is usable afterwards
      assert.equal((await db.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
    });

    it('runs several statements with exec and returns one result each', async () => {
      const rs = await db.exec(
        'CREATE TABLE t_exec (id int); INSERT INTO t_exec VALUES (1),(2); SELECT count(*)::int AS n FROM t_exec',
      );
      assert.equal(rs.length, 3);
      assert.equal((rs[2]!.rows[0] as { n: number }).n, 2);
    });

    it('pages a cursor as arrays, keeping duplicate column names', async function () {
      if (!db.cursor) this.skip(); // the port documents cursor as optional; callers fall back to query
      const c = await db.cursor!('SELECT g AS n, g * 2 AS n FROM generate_series(1, $1::int) g ORDER BY g', [2500]);
      assert.deepEqual(c.fields.map((f) => f.name), ['n', 'n']);
      const sizes: number[] = [];
      let last: unknown[] | undefined;
      for (let page = await c.read(1000); page.length; page = await c.read(1000)) {
        sizes.push(page.length);
        last = page[page.length - 1];
      }
      await c.close();
      assert.deepEqual(sizes, [1000, 1000, 500]);
      assert.deepEqual(last!.map(Number), [2500, 5000]);
    });

    it('refuses work after close with a clear error', async () => {
      const other = await open();
      await other.close();
      await assert.rejects(Promise.resolve().then(() => other.query('SELECT 1')), (e: unknown) => ClosedError.is(e));
    });
  });
}
