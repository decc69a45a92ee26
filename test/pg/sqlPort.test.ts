import assert from 'node:assert/strict';
import { PgSqlPort } from '../../src/db/pgPort';
import { pg } from './hooks';
import { DbError } from '../../src/core/errors';
import type { SqlPort } from '../../src/core/sql';

describe('SQL port over PostgreSQL (pg)', () => {
  let db: SqlPort;
  before(async () => {
    db = PgSqlPort.fromConfig(await pg().createDatabase('sql_port'));
  });
  after(() => db.close());

  it('runs a parameterised query', async () => {
    const r = await db.query<{ a: number }>('SELECT $1::int + 2 AS a', [40]);
    assert.equal(r.rows[0]!.a, 42);
    assert.deepEqual(r.fields.map((f) => f.name), ['a']);
  });

  it('keeps SQL, parameters, code and position on errors', async () => {
    await assert.rejects(db.query('SELECT nope FROM pg_class WHERE relname = $1', ['x']), (e: unknown) => {
      assert.ok(DbError.is(e));
      assert.equal(e.code, '42703');
      assert.equal(e.position, 8);
      assert.equal(e.sql, 'SELECT nope FROM pg_class WHERE relname = $1');
      assert.deepEqual(e.params, ['x']);
      return true;
    });
  });

  it('commits a transaction and rolls back a failed one', async () => {
    await db.exec('CREATE TABLE t_tx (id int PRIMARY KEY)');
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO t_tx VALUES ($1)', [1]);
    });
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

  it('runs several statements with exec and returns one result each', async () => {
    const rs = await db.exec('CREATE TABLE t_exec (id int); INSERT INTO t_exec VALUES (1),(2); SELECT count(*)::int AS n FROM t_exec');
    assert.equal(rs.length, 3);
    assert.equal((rs[2]!.rows[0] as { n: number }).n, 2);
  });
});
