import type { Cell } from '../../../src/protocol/resultsModel';
import { plainText } from './cellText';

/**
 * Tab-separated text as spreadsheets paste it: a field with a tab, line break or quote is quoted, with quotes
 * doubled; NULL is an empty field.
 */
export function toTsv(rows: readonly (readonly Cell[])[], header?: readonly string[]): string {
  const lines = header ? [header.map(field).join('\t')] : [];
  for (const r of rows) lines.push(r.map((c) => field(plainText(c))).join('\t'));
  return lines.join('\n');
}

function field(s: string): string {
  return /[\t\n\r"]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
