import * as path from 'node:path';
import type { SqlPort } from '../../core/sql';

/**
 * Opens the SQL playground's embedded database: PGlite in a worker thread (so a long statement never blocks
 * the extension host), persisted under `<globalStorage>/sql/playground` so it survives reloads. The one place
 * that decides how the playground database is opened.
 */
export async function openPlaygroundDatabase(globalStorage: string): Promise<SqlPort> {
  const { DatabaseManager } = await import('../../db/databaseManager.js');
  // no idle close: the query session may hold an open transaction between runs, as psql would
  const manager = new DatabaseManager({ root: path.join(globalStorage, 'sql') });
  const db = manager.database('playground');
  await db.open();
  return db;
}
