import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { QueryHistory, type HistoryEntry } from '../../../src/core/query/queryHistory';

const entry = (i: number, over: Partial<HistoryEntry> = {}): HistoryEntry => ({
  id: `h${i}`,
  sql: `SELECT ${i}`,
  targetId: 'playground',
  target: 'Playground (PGlite)',
  at: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
  durationMs: i,
  state: 'done',
  rows: 1,
  ...over,
});

describe('query history', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'sp-history-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps runs across a reopen, newest first', async () => {
    const file = path.join(dir, 'sub', 'history.jsonl');
    const h = new QueryHistory(file, 100);
    await h.add(entry(1));
    await h.add(entry(2, { state: 'failed', error: 'column "nope" does not exist', rows: undefined }));
    const again = new QueryHistory(file, 100);
    const list = await again.list();
    assert.deepEqual(list.map((e) => e.id), ['h2', 'h1']);
    assert.equal(list[0]!.error, 'column "nope" does not exist');
  });

  it('searches SQL, target and error text with every word', async () => {
    const h = new QueryHistory(path.join(dir, 'h.jsonl'), 100);
    await h.add(entry(1, { sql: 'SELECT * FROM orders' }));
    await h.add(entry(2, { sql: 'UPDATE orders SET paid = true', target: 'replica A', targetId: 'replica:a' }));
    await h.add(entry(3, { sql: 'SELECT nope', state: 'failed', error: 'column "nope" does not exist' }));
    assert.deepEqual((await h.search('orders')).map((e) => e.id), ['h2', 'h1']);
    assert.deepEqual((await h.search('ORDERS replica')).map((e) => e.id), ['h2']);
    assert.deepEqual((await h.search('does not exist')).map((e) => e.id), ['h3']);
    assert.deepEqual((await h.search('')).length, 3);
  });

  it('is capped: the file is compacted to the newest entries, and reads never show more than the cap', async () => {
    const file = path.join(dir, 'h.jsonl');
    const h = new QueryHistory(file, 20);
    for (let i = 1; i <= 45; i++) await h.add(entry(i));
    const list = await new QueryHistory(file, 20).list();
    assert.equal(list.length, 20);
    assert.equal(list[0]!.id, 'h45');
    assert.equal(list.at(-1)!.id, 'h26');
    const lines = readFileSync(file, 'utf8').trim().split('\n').length;
    assert.ok(lines <= 30, `file holds ${lines} lines, cap 20 (compacts at 1.5×)`);
  });

  it('skips a torn last line instead of losing the history', async () => {
    const file = path.join(dir, 'h.jsonl');
    const h = new QueryHistory(file, 100);
    await h.add(entry(1));
    appendFileSync(file, '{"id":"h2","sql":"SEL');
    const reopened = new QueryHistory(file, 100);
    assert.deepEqual((await reopened.list()).map((e) => e.id), ['h1']);
    await reopened.add(entry(3));
    assert.deepEqual((await reopened.list()).map((e) => e.id), ['h3', 'h1']);
  });
});
