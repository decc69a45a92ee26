import assert from 'node:assert/strict';
import { listColumns, listDatabases, listFunctions, listRelations, listSchemas, selectTopSql } from '../../../src/db/connections/catalogQueries';
import { PgSqlPort } from '../../../src/db/pgPort';
import { pg } from '../hooks';

describe('connections: object explorer on a real server', () => {
  let db: PgSqlPort;
  before(async () => {
    db = PgSqlPort.fromConfig(await pg().createDatabase('conn_explorer'));
    await db.exec(`
      CREATE SCHEMA "Sales Dept";
      CREATE TABLE "Sales Dept".orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer varchar(40) NOT NULL,
        total numeric(10,2) DEFAULT 0,
        tags text[],
        placed_at timestamptz
      );
      CREATE VIEW "Sales Dept".big_orders AS SELECT id, total FROM "Sales Dept".orders WHERE total > 100;
      CREATE MATERIALIZED VIEW "Sales Dept".order_totals AS SELECT customer, sum(total) AS sum FROM "Sales Dept".orders GROUP BY 1;
      CREATE TABLE public.readings (sensor int, at date, v float8) PARTITION BY RANGE (at);
      CREATE TABLE public.readings_2024 PARTITION OF public.readings FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
      CREATE FUNCTION "Sales Dept".order_count(who text) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM "Sales Dept".orders WHERE customer = who $$;
      CREATE PROCEDURE "Sales Dept".purge(days int) LANGUAGE sql AS $$ DELETE FROM "Sales Dept".orders WHERE placed_at < now() - make_interval(days => days) $$;
      INSERT INTO "Sales Dept".orders (customer, total) SELECT 'c' || g, g FROM generate_series(1, 1200) g;
    `);
  });
  after(() => db.close());

  it('lists the databases of the server, templates left out', async () => {
    const names = (await listDatabases(db)).map((d) => d.name);
    assert.ok(names.includes('conn_explorer') && names.includes('postgres'), names.join(', '));
    assert.ok(!names.includes('template0') && !names.includes('template1'));
  });

  it('lists user schemas, not system ones', async () => {
    const names = (await listSchemas(db)).map((s) => s.name);
    assert.deepEqual(names, ['Sales Dept', 'public']);
  });

  it('lists tables and views with their kinds; partitions stay under their parent', async () => {
    assert.deepEqual(
      (await listRelations(db, 'Sales Dept')).map((r) => `${r.name}:${r.kind}`),
      ['big_orders:view', 'order_totals:materialized view', 'orders:table'],
    );
    assert.deepEqual((await listRelations(db, 'public')).map((r) => `${r.name}:${r.kind}`), ['readings:partitioned table']);
  });

  it('lists columns with their types, nullability, defaults and primary key', async () => {
    const cols = await listColumns(db, 'Sales Dept', 'orders');
    assert.deepEqual(
      cols.map((c) => [c.name, c.type, c.nullable, c.primaryKey]),
      [
        ['id', 'bigint', false, true],
        ['customer', 'character varying(40)', false, false],
        ['total', 'numeric(10,2)', true, false],
        ['tags', 'text[]', true, false],
        ['placed_at', 'timestamp with time zone', true, false],
      ],
    );
    assert.equal(cols.find((c) => c.name === 'total')!.default, '0');
    assert.deepEqual((await listColumns(db, 'Sales Dept', 'big_orders')).map((c) => `${c.name} ${c.type}`), ['id bigint', 'total numeric(10,2)']);
  });

  it('lists functions and procedures with their signatures', async () => {
    const fns = await listFunctions(db, 'Sales Dept', pg().version);
    assert.deepEqual(
      fns.map((f) => `${f.kind} ${f.name}(${f.args}) ${f.result}`.trim()),
      ['function order_count(who text) bigint', 'procedure purge(IN days integer)'],
    );
  });

  it('"Select top 1000" reads 1000 rows of a table whose names need quoting', async () => {
    const r = await db.query(selectTopSql('Sales Dept', 'orders'));
    assert.equal(r.rows.length, 1000);
  });
});
