import assert from 'node:assert/strict';
import { positionToOffset, splitStatements, statementAt } from '../../../src/core/query/splitStatements';

const sqls = (script: string) => splitStatements(script).map((s) => s.sql);

describe('splitStatements', () => {
  it('splits on semicolons and keeps offsets that slice back to each statement', () => {
    const script = '  SELECT 1;\nSELECT 2 ;  \n\n  SELECT 3';
    const parts = splitStatements(script);
    assert.deepEqual(parts.map((p) => p.sql), ['SELECT 1', 'SELECT 2', 'SELECT 3']);
    for (const p of parts) assert.equal(script.slice(p.start, p.end), p.sql);
    assert.equal(parts[0]!.start, 2);
  });

  it('ignores semicolons inside strings, E-strings with backslash escapes and quoted identifiers', () => {
    assert.deepEqual(sqls(`SELECT 'a;b', 'it''s;'; SELECT E'x\\';y'; SELECT 1 AS "semi;""colon"; SELECT 2`), [
      `SELECT 'a;b', 'it''s;'`,
      `SELECT E'x\\';y'`,
      `SELECT 1 AS "semi;""colon"`,
      'SELECT 2',
    ]);
  });

  it('treats a backslash in a standard string as an ordinary character', () => {
    assert.deepEqual(sqls(`SELECT 'C:\\'; SELECT 2`), [`SELECT 'C:\\'`, 'SELECT 2']);
  });

  it('ignores semicolons inside dollar quotes, tagged or not, and knows $1 is a parameter', () => {
    const fn = `CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
  PERFORM 1; -- a ; in a comment
  RETURN $$;$$::text::int;
END
$body$`;
    assert.deepEqual(sqls(`${fn};\nSELECT $1::int; SELECT $$a;b$$`), [fn, 'SELECT $1::int', 'SELECT $$a;b$$']);
  });

  it('skips -- comments and nested /* */ comments, also between statements', () => {
    const script = `-- target: replica A\n/* outer /* inner; */ still; */ SELECT 1; -- end;\n/* only a comment; */`;
    assert.deepEqual(sqls(script), ['SELECT 1']);
  });

  it('keeps a SQL-standard function body (BEGIN ATOMIC … END) in one statement', () => {
    const fn = `CREATE OR REPLACE FUNCTION g(a int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;
  SELECT a + 1;
END`;
    assert.deepEqual(sqls(`${fn}; BEGIN; SELECT 1; COMMIT;`), [fn, 'BEGIN', 'SELECT 1', 'COMMIT']);
  });

  it('drops empty statements and keeps an unterminated string to the end', () => {
    assert.deepEqual(sqls(';;  ; SELECT 1;;'), ['SELECT 1']);
    assert.deepEqual(sqls(`SELECT 'open; ...`), [`SELECT 'open; ...`]);
  });
});

describe('statementAt', () => {
  const script = 'SELECT 1;\nSELECT 2;\n\nSELECT 3';
  const parts = splitStatements(script);
  it('finds the statement under the cursor, or the one the cursor just left', () => {
    assert.equal(statementAt(parts, script.indexOf('2'))!.sql, 'SELECT 2');
    assert.equal(statementAt(parts, script.indexOf('2') + 2)!.sql, 'SELECT 2'); // just after the ';'
    assert.equal(statementAt(parts, script.length)!.sql, 'SELECT 3');
    assert.equal(statementAt(parts, 0)!.sql, 'SELECT 1');
  });
});

describe('positionToOffset', () => {
  it('counts characters as Postgres does, not UTF-16 units', () => {
    const sql = "SELECT '😀', nope";
    assert.equal(positionToOffset(sql, 13), sql.indexOf('nope'));
    assert.equal(positionToOffset('SELECT nope', 8), 7);
  });
});
