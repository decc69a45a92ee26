import * as vscode from 'vscode';
import type { HistoryEntry, QueryHistory } from '../../core/query/queryHistory';

/**
 * The query history as a quick pick: newest first, filtered as the user types (over the SQL, the target and the
 * error), one item per run with its target, time, duration and rows or error. Resolves with the chosen run.
 */
export async function pickFromHistory(history: QueryHistory): Promise<HistoryEntry | undefined> {
  const entries = await history.list();
  if (entries.length === 0) {
    void vscode.window.showInformationMessage('No queries have run yet.');
    return undefined;
  }
  const items = entries.map((e) => ({
    label: `${e.state === 'failed' ? '$(error)' : e.state === 'cancelled' ? '$(circle-slash)' : '$(check)'} ${oneLine(e.sql)}`,
    description: `${e.target} · ${new Date(e.at).toLocaleString()} · ${e.durationMs} ms`,
    detail: e.error ?? (e.rows !== undefined ? `${e.rows.toLocaleString()} rows` : undefined),
    entry: e,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: 'Query history: pick a query to run it again on its target',
    placeHolder: 'Filter by SQL, target or error',
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return pick?.entry;
}

function oneLine(sql: string): string {
  const s = sql.replace(/\s+/g, ' ').trim();
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}
