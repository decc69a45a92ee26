import * as vscode from 'vscode';
import type { StatementFailure } from '../../protocol/resultsModel';
import { positionToOffset, type SplitStatement } from '../../core/query/splitStatements';

/**
 * Turns a failed statement into a diagnostic at the place Postgres pointed to: its position inside the
 * statement mapped to the document (the statement's offset plus the position, counted in characters as
 * Postgres counts them). Without a position, the whole statement is marked.
 */
export function failureDiagnostic(document: vscode.TextDocument, statement: SplitStatement, failure: StatementFailure): vscode.Diagnostic {
  let range: vscode.Range;
  if (failure.position !== undefined) {
    const at = document.positionAt(statement.start + positionToOffset(statement.sql, failure.position));
    range = document.getWordRangeAtPosition(at, /[\w$."]+/) ?? new vscode.Range(at, at.translate(0, 1));
  } else {
    range = new vscode.Range(document.positionAt(statement.start), document.positionAt(statement.end));
  }
  const lines = [failure.message, failure.detail && `Detail: ${failure.detail}`, failure.hint && `Hint: ${failure.hint}`];
  const d = new vscode.Diagnostic(range, lines.filter(Boolean).join('\n'), vscode.DiagnosticSeverity.Error);
  d.source = 'PostgreSQL';
  if (failure.code) d.code = failure.code;
  return d;
}
