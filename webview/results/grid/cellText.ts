import type { Cell, ColumnMeta } from '../../../src/protocol/resultsModel';

/** Cells longer than this are cut for display; copy and the row detail still use the full value. */
const maxDisplayLength = 500;

/** The one-line text a grid cell shows. NULL is rendered separately (see isNull). */
export function displayText(value: Cell): string {
  if (value === null) return 'NULL';
  const s = typeof value === 'string' ? value : String(value);
  const cut = s.length > maxDisplayLength ? `${s.slice(0, maxDisplayLength)}…` : s;
  // a row is one line high: show line breaks instead of hiding everything after the first
  return cut.includes('\n') || cut.includes('\r') ? cut.replace(/\r?\n|\r/g, '↵') : cut;
}

/** The text a value stands for in copy and filter: NULL is empty, as psql's unaligned output prints it. */
export function plainText(value: Cell): string {
  return value === null ? '' : typeof value === 'string' ? value : String(value);
}

export function isRightAligned(column: ColumnMeta): boolean {
  return column.kind === 'number';
}

/** Pretty JSON for the row detail, or undefined when the value is not JSON text. */
export function prettyJson(value: Cell, column: ColumnMeta): string | undefined {
  if (typeof value !== 'string' || (column.kind !== 'json' && !column.typeName.startsWith('_'))) return undefined;
  try {
    return JSON.stringify(JSON.parse(value), null, 2);
  } catch {
    return undefined;
  }
}
