import { DbError } from './errors';
import type { Queryable } from './sql';

/**
 * Checks, just before COMMIT, that the transaction is still usable.
 *
 * Why: when a statement fails inside a transaction and the callback catches the error and carries on, Postgres
 * has already aborted the transaction; COMMIT then quietly performs a ROLLBACK and reports success. Every port
 * calls this before COMMIT so that case fails loudly instead of losing the callback's writes without a word.
 */
export async function ensureTransactionUsable(tx: Queryable): Promise<void> {
  try {
    await tx.query('SELECT 1');
  } catch (e) {
    if (DbError.is(e) && e.code === '25P02') {
      throw new DbError(
        'The transaction was rolled back: a statement inside it failed and its error was caught, so nothing in it ' +
          'was committed. Let the error propagate, or use a SAVEPOINT around the statement that may fail.',
        e.sql,
        e.params,
        { code: '25P02' },
        { cause: e },
      );
    }
    throw e;
  }
}
