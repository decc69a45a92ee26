import { open, rename, rm } from 'node:fs/promises';
import { stringify } from 'csv-stringify/sync';
import type { Cell } from '../../protocol/resultsModel';
import { InvalidInputError } from '../errors';
import { toCell } from './cellValues';
import type { QuerySession } from './querySession';
import { TypeCatalog } from './typeCatalog';

export type ExportFormat = 'csv' | 'json';

export interface ExportOptions {
  readonly format: ExportFormat;
  readonly file: string;
  /** Rows per round trip to the database and per write. */
  readonly pageSize?: number;
  /** Called after each page with the rows written so far. */
  readonly onProgress?: (rows: number) => void;
  /** Checked between pages; true stops the export and removes the partial file. */
  readonly isCancelled?: () => boolean;
}

/** A statement export can run again without changing data. */
export function isReadOnlyStatement(sql: string): boolean {
  const body = sql.replace(/^(\s|--[^\n]*\n|\/\*[\s\S]*?\*\/)+/, '');
  const first = /^[A-Za-z]+/.exec(body)?.[0]?.toUpperCase();
  if (first === 'WITH') return !/\b(INSERT|UPDATE|DELETE|MERGE)\b/i.test(body);
  return first === 'SELECT' || first === 'VALUES' || first === 'TABLE' || first === 'SHOW';
}

/**
 * Runs `sql` again and streams every row to `file` as CSV (header row, NULL as an empty field) or as a JSON
 * array of objects (duplicate column names get a _2, _3 suffix). Rows go page by page from the database to
 * the file and never through the results grid. The file appears complete or not at all (temp file + rename).
 * Returns the rows written, or undefined when cancelled.
 */
export async function exportStatement(session: QuerySession, sql: string, options: ExportOptions): Promise<number | undefined> {
  if (!isReadOnlyStatement(sql)) {
    throw new InvalidInputError('Export runs the statement again, so only SELECT, VALUES, TABLE, SHOW and read-only WITH queries can be exported.');
  }
  const catalog = new TypeCatalog(session);
  const stream = await session.execute(sql);
  const tmp = `${options.file}.${process.pid}.part`;
  const out = await open(tmp, 'w');
  let rows = 0;
  let finished = false;
  try {
    await catalog.resolve(stream.fields);
    const types = stream.fields.map((f) => catalog.get(f.dataTypeID));
    const elems = types.map((t) => catalog.elem(t));
    const names = uniqueNames(stream.fields.map((f) => f.name));
    const cells = (raw: unknown[]): Cell[] => raw.map((v, i) => toCell(v, types[i]!, elems[i]));
    // CSV keeps duplicate names as they are; JSON object keys must differ
    if (options.format === 'csv') await out.write(stringify([stream.fields.map((f) => f.name)]));
    else await out.write('[');
    for (;;) {
      if (options.isCancelled?.()) return undefined;
      const page = await stream.read(options.pageSize ?? 5000);
      if (page.length === 0) break;
      let chunk: string;
      if (options.format === 'csv') {
        chunk = stringify(page.map(cells), { cast: { boolean: (b) => (b ? 'true' : 'false') } });
      } else {
        chunk = page
          .map((raw, j) => {
            const c = cells(raw);
            const obj = `{${names.map((n, i) => `${JSON.stringify(n)}:${jsonValue(c[i]!, types[i]!.kind)}`).join(',')}}`;
            return `${rows + j === 0 ? '\n' : ',\n'}${obj}`;
          })
          .join('');
      }
      await out.write(chunk);
      rows += page.length;
      options.onProgress?.(rows);
    }
    if (options.format === 'json') await out.write(rows ? '\n]\n' : ']\n');
    finished = true;
  } finally {
    await stream.close().catch(() => undefined);
    await out.close();
    if (finished) await rename(tmp, options.file);
    else await rm(tmp, { force: true });
  }
  return rows;
}

/** json/jsonb cells are JSON text already: embed them as values, not as strings. */
function jsonValue(cell: Cell, kind: string): string {
  if (kind === 'json' && typeof cell === 'string') return cell;
  return JSON.stringify(cell);
}

function uniqueNames(names: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return names.map((n) => {
    const k = (seen.get(n) ?? 0) + 1;
    seen.set(n, k);
    return k === 1 ? n : `${n}_${k}`;
  });
}
