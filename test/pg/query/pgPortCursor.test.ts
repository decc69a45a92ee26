import assert from 'node:assert/strict';
import { PgSqlPort } from '../../../src/db/pgPort';
import { DbError } from '../../../src/core/errors';
import { pg } from '../hooks';

describe('PgSqlPort.cursor (server-side paging)', () => {
  let port: PgSqlPort;
  before(async () => {
    port = PgSqlPort.fromConfig({ ...(await pg().createDatabase('port_cursor')), max: 2 });
  });
  after(() => port.close());

  it('hands out rows page by page as arrays, keeping duplicate column names, then ends', async () => {
    const c = await port.cursor('SELECT g AS a, g * 2 AS a FROM generate_series(1, $1::int) g', [2500]);
    assert.deepEqual(c.fields.map((f) => f.name), ['a', 'a']);
    const pages: number[] = [];
    let firstRow: unknown[] | undefined;
    for (let page = await c.read(1000); page.length; page = await c.read(1000)) {
      firstRow ??= page[0];
      pages.push(page.length);
    }
    assert.deepEqual(pages, [1000, 1000, 500]);
    assert.deepEqual(firstRow, [1, 2]);
    await c.close();
  });

  it('gives its connection back on close, so a pool of 2 survives many cursors', async () => {
    for (let i = 0; i < 5; i++) {
      const c = await port.cursor('SELECT generate_series(1, 100000)');
      assert.equal((await c.read(10)).length, 10);
      await c.close();
    }
    assert.equal((await port.query<{ n: number }>('SELECT 1 AS n')).rows[0]!.n, 1);
  });

  it('rejects with a DbError that keeps the statement', async () => {
    await assert.rejects(port.cursor('SELECT nope'), (e: unknown) => DbError.is(e) && e.code === '42703' && e.sql === 'SELECT nope');
  });
});
