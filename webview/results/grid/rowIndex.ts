import type { Cell, ColumnMeta } from '../../../src/protocol/resultsModel';
import { plainText } from './cellText';

export type SortDirection = 'asc' | 'desc';
export interface SortSpec {
  readonly column: number;
  readonly direction: SortDirection;
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * Builds the view: which data rows show, in which order, as an index array over the rows (the rows are never
 * copied). Returns undefined for "all rows in arrival order", the common case, so it costs nothing.
 */
export function buildRowIndex(
  rows: readonly (readonly Cell[])[],
  columns: readonly ColumnMeta[],
  sort: SortSpec | undefined,
  filter: string,
  searchText: SearchTextCache,
): Int32Array | undefined {
  const needle = filter.trim().toLowerCase();
  if (!sort && !needle) return undefined;
  let index: Int32Array;
  if (needle) {
    const hits = new Int32Array(rows.length);
    let n = 0;
    for (let i = 0; i < rows.length; i++) if (searchText.get(rows, i).includes(needle)) hits[n++] = i;
    index = hits.slice(0, n);
  } else {
    index = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) index[i] = i;
  }
  if (sort) sortIndex(index, rows, columns[sort.column], sort);
  return index;
}

/**
 * Sorts like PostgreSQL's default ORDER BY: NULLs last ascending, first descending. Numbers (including int8 and
 * numeric, which arrive as strings) compare as numbers; text compares "naturally" (item2 before item10).
 * Stable: equal values keep arrival order.
 */
function sortIndex(index: Int32Array, rows: readonly (readonly Cell[])[], column: ColumnMeta | undefined, sort: SortSpec): void {
  const c = sort.column;
  const sign = sort.direction === 'asc' ? 1 : -1;
  const numeric = column?.kind === 'number';
  // compute sort keys once, not per comparison
  const keys: (number | string | null)[] = new Array(rows.length);
  for (const i of index) {
    const v = rows[i]![c] ?? null;
    keys[i] = v === null ? null : numeric ? toNumber(v) : typeof v === 'string' ? v : String(v);
  }
  const compare = (a: number, b: number): number => {
    const ka = keys[a]!;
    const kb = keys[b]!;
    if (ka === null || kb === null) {
      if (ka === kb) return a - b;
      return (ka === null ? 1 : -1) * sign;
    }
    let d: number;
    if (typeof ka === 'number' && typeof kb === 'number') d = ka < kb ? -1 : ka > kb ? 1 : 0;
    else d = collator.compare(String(ka), String(kb));
    return d !== 0 ? d * sign : a - b;
  };
  index.sort(compare);
}

function toNumber(v: Cell): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const n = Number(v);
  // 'NaN' and 'Infinity' are valid numeric values in PostgreSQL; NaN sorts above everything there
  return Number.isNaN(n) ? Number.POSITIVE_INFINITY : n;
}

/** Lower-cased text of each row, built on first use and kept: filtering 100k rows per keystroke stays cheap. */
export class SearchTextCache {
  #texts: (string | undefined)[] = [];

  get(rows: readonly (readonly Cell[])[], i: number): string {
    let t = this.#texts[i];
    if (t === undefined) {
      t = rows[i]!.map(plainText).join('\u0001').toLowerCase();
      this.#texts[i] = t;
    }
    return t;
  }

  clear(): void {
    this.#texts = [];
  }
}
