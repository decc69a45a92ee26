import assert from 'node:assert/strict';
import type { QueryConsole } from '../../../src/core/query/queryConsole';
import { runScript } from './runRecorder';

/** What a user sees in the grid for each type, checked on a real database (PGlite here, pg in test/pg/query). */
export function describeValueSerialisation(open: () => Promise<QueryConsole>) {
  describe('value serialisation', () => {
    let qc: QueryConsole;
    before(async () => {
      qc = await open();
    });
    after(() => qc.close());

    const one = async (expr: string) => {
      const { rec, final } = await runScript(qc, `SELECT ${expr} AS v`);
      assert.equal(final.state, 'done', JSON.stringify(final.error));
      return { cell: rec.rowsOf(0)[0]![0], column: final.statements[0]!.columns[0]! };
    };

    it('int8 and numeric stay exact strings; small ints and floats are numbers', async () => {
      assert.equal((await one('9223372036854775807::int8')).cell, '9223372036854775807');
      assert.equal((await one("'12345678901234567890.000000000000000001'::numeric")).cell, '12345678901234567890.000000000000000001');
      assert.equal((await one('42::int4')).cell, 42);
      assert.equal((await one('-7::int2')).cell, -7);
      assert.equal((await one('0.1::float8')).cell, 0.1);
      assert.equal((await one("'NaN'::float8")).cell, 'NaN');
      const c = await one('1::int8');
      assert.deepEqual([c.column.typeName, c.column.kind, c.column.typeOid], ['int8', 'number', 20]);
    });

    it('dates and timestamps become ISO 8601 with microseconds kept', async () => {
      assert.equal((await one("'2024-02-29'::date")).cell, '2024-02-29');
      assert.equal((await one("'2024-02-29 13:14:15.123456'::timestamp")).cell, '2024-02-29T13:14:15.123456');
      const { rec } = await runScript(qc, "SET TimeZone = 'UTC'; SELECT '2024-02-29 13:14:15.5+02'::timestamptz");
      assert.equal(rec.rowsOf(1)[0]![0], '2024-02-29T11:14:15.5+00:00');
      assert.equal((await one("'13:14:15+05:30'::timetz")).cell, '13:14:15+05:30');
    });

    it('bytea becomes base64, json and jsonb their JSON text, booleans booleans, NULL null', async () => {
      assert.equal((await one("'\\x48656c6c6f'::bytea")).cell, Buffer.from('Hello').toString('base64'));
      assert.equal((await one(`'{"b": 1, "a": [1, 2.50]}'::json`)).cell, '{"b": 1, "a": [1, 2.50]}');
      assert.equal((await one(`'{"b": 1, "a": 12345678901234567890}'::jsonb`)).cell, '{"a": 12345678901234567890, "b": 1}');
      assert.equal((await one('true')).cell, true);
      assert.equal((await one('NULL::int4')).cell, null);
      assert.equal((await one('NULL::jsonb')).cell, null);
    });

    it('arrays become JSON text with elements converted like cells', async () => {
      assert.equal((await one("ARRAY[1, NULL, 3]::int4[]")).cell, '[1,null,3]');
      assert.equal((await one("ARRAY[9223372036854775807]::int8[]")).cell, '["9223372036854775807"]');
      assert.equal((await one(`ARRAY['a,b', 'say "hi"', NULL]::text[]`)).cell, '["a,b","say \\"hi\\"",null]');
      assert.equal((await one("ARRAY[[1,2],[3,4]]::int4[]")).cell, '[[1,2],[3,4]]');
      assert.equal((await one(`ARRAY['{"a":1}'::jsonb]`)).cell, '[{"a": 1}]');
      const c = await one("ARRAY['2024-01-02'::date]");
      assert.deepEqual([c.cell, c.column.typeName, c.column.kind], ['["2024-01-02"]', '_date', 'json']);
    });

    it('user-defined types (enums and their arrays) get their names from pg_type', async () => {
      await runScript(qc, "DROP TYPE IF EXISTS mood CASCADE; CREATE TYPE mood AS ENUM ('ok', 'sad')");
      const c = await one("'sad'::mood");
      assert.deepEqual([c.cell, c.column.typeName], ['sad', 'mood']);
      const a = await one("ARRAY['ok','sad']::mood[]");
      assert.deepEqual([a.cell, a.column.typeName], ['["ok","sad"]', '_mood']);
    });

    it('duplicate column names survive', async () => {
      const { rec, final } = await runScript(qc, 'SELECT 1 AS a, 2 AS a');
      assert.deepEqual(final.statements[0]!.columns.map((c) => c.name), ['a', 'a']);
      assert.deepEqual(rec.rowsOf(0), [[1, 2]]);
    });
  });
}
