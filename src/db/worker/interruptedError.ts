import { DbError } from '../../core/errors';

/** Why a statement of an embedded database was stopped. */
export type InterruptReason = { readonly kind: 'cancel' } | { readonly kind: 'timeout'; readonly afterMs: number };

/**
 * The error a statement stopped by restarting its worker rejects with: SQLSTATE 57014 (query_canceled), as
 * PostgreSQL reports a cancel or a statement timeout, worded for the embedded database.
 */
export function interruptedError(reason: InterruptReason, database: string, sql: string, params?: readonly unknown[]): DbError {
  const restarted = 'the embedded database was restarted to stop it; committed data is intact.';
  const message =
    reason.kind === 'cancel'
      ? `Query cancelled: ${restarted}`
      : `Statement timeout: the statement ran longer than ${formatSeconds(reason.afterMs)} (syncPlayground.statementTimeoutSeconds), so ${restarted}`;
  return new DbError(message, sql, params, {
    code: '57014',
    detail:
      `PGlite cannot interrupt a running statement, so its worker was stopped and ${database} reopened. ` +
      "The statement's transaction, and any transaction left open in this session, was rolled back.",
  });
}

function formatSeconds(ms: number): string {
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
