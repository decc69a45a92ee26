import type { Cell, ColumnMeta, RowsPage, RunSnapshot, StatementSummary } from '../../src/protocol/resultsModel';

/** Test data for the results panel, shaped like what the SQL host sends. */

export const col = (name: string, typeName: string, kind: ColumnMeta['kind'], typeOid = 0): ColumnMeta => ({ name, typeName, kind, typeOid });

export function statement(resultId: string, columns: ColumnMeta[], rowsLoaded: number, over: Partial<StatementSummary> = {}): StatementSummary {
  return {
    resultId,
    index: 0,
    sql: 'SELECT * FROM items',
    commandTag: `SELECT ${rowsLoaded}`,
    columns,
    rowsLoaded,
    hasMore: false,
    durationMs: 12.4,
    ...over,
  };
}

export function run(statements: StatementSummary[], over: Partial<RunSnapshot> = {}): RunSnapshot {
  return {
    runId: 'run-1',
    target: 'Playground (PGlite)',
    startedAt: '2025-05-01T10:00:00.000Z',
    state: 'done',
    statements,
    durationMs: 15.2,
    rowCap: 100_000,
    ...over,
  };
}

export const page = (resultId: string, start: number, rows: Cell[][], hasMore = false): RowsPage => ({ resultId, start, rows, hasMore });

/** A readable mixed table: ids, names, prices as numeric strings, NULLs, booleans, jsonb, timestamps. */
export const productColumns = [
  col('id', 'int4', 'number', 23),
  col('name', 'text', 'text', 25),
  col('price', 'numeric', 'number', 1700),
  col('in_stock', 'bool', 'boolean', 16),
  col('attributes', 'jsonb', 'json', 3802),
  col('updated_at', 'timestamptz', 'temporal', 1184),
  col('note', 'text', 'text', 25),
];

const names = ['Espresso beans', 'Oat milk', 'Ceramic mug', 'Pour-over kettle', 'Paper filters', 'Burr grinder', 'Milk frother', 'Travel tumbler'];

export function productRow(i: number): Cell[] {
  return [
    i + 1,
    `${names[i % names.length]} ${Math.floor(i / names.length) + 1}`,
    ((i * 7919) % 10000 / 100 + 1).toFixed(2),
    i % 3 !== 0,
    JSON.stringify({ color: ['black', 'white', 'red'][i % 3], sizes: [i % 5, (i % 5) + 1], origin: { country: 'CO', farm: 'La Esperanza' } }),
    new Date(Date.UTC(2025, 0, 1) + i * 3_600_000).toISOString(),
    i % 4 === 0 ? null : i % 4 === 1 ? 'restock weekly' : `batch ${i}`,
  ];
}

export function productRows(n: number, from = 0): Cell[][] {
  return Array.from({ length: n }, (_, k) => productRow(from + k));
}
