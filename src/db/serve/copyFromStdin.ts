/**
 * COPY … FROM STDIN over the localhost server. PGlite runs COPY FROM STDIN only when the CopyData arrives in the
 * same call as the COPY itself; a COPY that waits for data it was not given makes PGlite exit (measured with
 * 0.5.16: the process dies with ExitStatus). So the session feeds a lone COPY itself (see ClientSession) and keeps
 * every other form away from the database.
 */
import type { FrontendMessage } from './wireMessages';
import { queryMessage, statementText } from './wireMessages';

/** A COPY … FROM STDIN statement (its text, from its first token). */
export const COPY_FROM_STDIN = /^copy\b[\s\S]*\bfrom\s+stdin\b/i;

/** Leading comments and blanks before a statement. */
const LEADING = /^(?:\s+|--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;

/**
 * 'alone': a simple Query that is one COPY FROM STDIN (the session can feed it). 'mixed': a COPY FROM STDIN among
 * other statements, or sent with Parse (refused with a clear error). undefined: no COPY FROM STDIN.
 * The statement split is naive (semicolons), so a ';' inside a string may cause a refusal, never a crash.
 */
export function copyFromStdinKind(m: FrontendMessage): 'alone' | 'mixed' | undefined {
  if (m.type !== 'Q' && m.type !== 'P') return undefined;
  const text = statementText(m) ?? '';
  if (!/stdin/i.test(text)) return undefined;
  const statements = text
    .split(';')
    .map((s) => s.replace(LEADING, ''))
    .filter((s) => s.length > 0);
  if (!statements.some((s) => COPY_FROM_STDIN.test(s))) return undefined;
  return m.type === 'Q' && statements.length === 1 ? 'alone' : 'mixed';
}

export const COPY_REFUSAL =
  'COPY FROM STDIN must be sent alone (one statement in a simple query) to this playground server';

/**
 * A simple Query that makes PostgreSQL itself raise the refusal, so the client sees an ordinary error and an open
 * transaction is marked failed, exactly as for any other failing statement.
 */
export function refusalQuery(message = COPY_REFUSAL, hint = 'Send the COPY on its own, or use INSERT.'): Buffer {
  const q = (s: string) => s.replace(/'/g, "''");
  return queryMessage(
    `DO $refuse$ BEGIN RAISE EXCEPTION USING ERRCODE = 'feature_not_supported', MESSAGE = '${q(message)}', ` +
      `HINT = '${q(hint)}'; END $refuse$`,
  );
}
