import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { exportStatement } from '../../../src/core/query/exportResult';
import type { QuerySession } from '../../../src/core/query/querySession';

const SQL = `SELECT g AS id, 'row ' || g AS name, (g * 1000000000000)::int8 AS big, g % 2 = 0 AS even,
  CASE WHEN g % 10 = 0 THEN NULL ELSE jsonb_build_object('g', g) END AS doc, 'a,"b"' AS tricky, 1 AS id
  FROM generate_series(1, 100000) g`;

/** Export of a 100k-row result to CSV and JSON files on a real database. */
export function describeExport(openSession: () => Promise<QuerySession>) {
  describe('export to a file', () => {
    let session: QuerySession;
    let dir: string;
    before(async () => {
      session = await openSession();
      dir = mkdtempSync(path.join(os.tmpdir(), 'sp-export-'));
    });
    after(async () => {
      await session.release();
      rmSync(dir, { recursive: true, force: true });
    });

    it('writes 100,000 rows as CSV with a header, exact int8, NULL as empty, quoting done right', async () => {
      const file = path.join(dir, 'out.csv');
      const progress: number[] = [];
      const n = await exportStatement(session, SQL, { format: 'csv', file, onProgress: (r) => progress.push(r) });
      assert.equal(n, 100_000);
      assert.ok(progress.length > 1 && progress.at(-1) === 100_000, 'progress is reported page by page');
      // no value holds a line break, so lines are records; compare them as a spreadsheet would read them
      const lines = readFileSync(file, 'utf8').split('\n');
      assert.equal(lines.pop(), '', 'ends with a newline');
      assert.equal(lines.length, 100_001);
      assert.equal(lines[0], 'id,name,big,even,doc,tricky,id');
      assert.equal(lines[1], '1,row 1,1000000000000,false,"{""g"": 1}","a,""b""",1');
      assert.equal(lines[10], '10,row 10,10000000000000,true,,"a,""b""",1');
      assert.equal(lines[100_000], '100000,row 100000,100000000000000000,true,,"a,""b""",1');
    });

    it('writes 100,000 rows as a JSON array of objects', async () => {
      const file = path.join(dir, 'out.json');
      assert.equal(await exportStatement(session, SQL, { format: 'json', file }), 100_000);
      const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>[];
      assert.equal(data.length, 100_000);
      assert.deepEqual(data[0], { id: 1, name: 'row 1', big: '1000000000000', even: false, doc: { g: 1 }, tricky: 'a,"b"', id_2: 1 });
      assert.equal(data[9]!.doc, null);
    });

    it('refuses a statement that would change data when run again, and a cancelled export leaves no file', async () => {
      await assert.rejects(exportStatement(session, 'DELETE FROM x RETURNING *', { format: 'csv', file: path.join(dir, 'x.csv') }), /only SELECT/);
      const file = path.join(dir, 'cancelled.csv');
      const n = await exportStatement(session, SQL, { format: 'csv', file, pageSize: 1000, isCancelled: () => true });
      assert.equal(n, undefined);
      assert.equal(existsSync(file), false);
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes('cancelled')), []);
    });
  });
}
