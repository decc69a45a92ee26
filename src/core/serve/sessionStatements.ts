/**
 * What a client's SQL may do to the one PostgreSQL session the localhost server shares among its clients, read from
 * the statement text. The server uses it to look at the session's state only around statements that can change it
 * (a plain INSERT costs nothing extra), and to refuse what one shared session cannot give each client.
 */
import { splitStatements } from '../query/splitStatements';

/** Command tags that change nothing: a transaction with only these is not a write. */
export const READ_ONLY_TAGS: ReadonlySet<string> = new Set([
  'SELECT', 'SHOW', 'BEGIN', 'START', 'COMMIT', 'ROLLBACK', 'SET', 'RESET', 'FETCH', 'MOVE', 'DECLARE', 'CLOSE',
  'DEALLOCATE', 'PREPARE', 'EXPLAIN', 'LISTEN', 'UNLISTEN', 'NOTIFY', 'DISCARD', 'SAVEPOINT', 'RELEASE', 'VALUES',
]);

/** True when a command tag ("INSERT 0 1", "CREATE TABLE") is a write. COPY … TO STDOUT is told apart by its text. */
export function isWriteTag(tag: string, sql = ''): boolean {
  const word = tag.split(' ')[0] ?? '';
  if (!word || READ_ONLY_TAGS.has(word)) return false;
  if (word === 'COPY') return !/^copy\b[\s\S]*\bto\s+stdout\b/i.test(sql.trim());
  return true;
}

/** What a piece of SQL may do to the session. */
export interface SessionEffects {
  /** May change session settings (SET, RESET, set_config, DISCARD, DO, CALL). */
  readonly settings: boolean;
  /** May create session objects: temporary objects, session advisory locks, SQL prepared statements. */
  readonly objects: boolean;
  /** Custom settings ("app.user") it names: they are not listed in pg_settings, so the server remembers them. */
  readonly customSettings: readonly string[];
  /** Why the server refuses it (LISTEN, a cursor WITH HOLD), or undefined. */
  readonly refusal?: { readonly message: string; readonly hint: string };
}

const SETTINGS_START = /^(?:set\b(?!\s+(?:local|transaction|constraints)\b)|reset\b|discard\b|do\b|call\b)/i;
const SET_CONFIG = /\bset_config\s*\(/i;
const OBJECTS_START = /^(?:prepare\b|deallocate\b|discard\b|do\b|call\b)/i;
const TEMP_OBJECT = /\b(?:create|into)\s+(?:or\s+replace\s+)?(?:(?:global|local)\s+)?(?:temp|temporary)\b|\bpg_temp\s*\./i;
const SESSION_LOCK = /\bpg_(?:try_)?advisory_lock(?:_shared)?\s*\(/i;
const IDENT = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][\w$]*)`;
const CUSTOM_SET = new RegExp(String.raw`^(?:set\s+(?:session\s+)?|reset\s+)(${IDENT}\s*\.\s*${IDENT})`, 'i');
const CUSTOM_SET_CONFIG = /\bset_config\s*\(\s*'([^']+\.[^']+)'/gi;

export const LISTEN_REFUSAL = {
  message: 'LISTEN is not supported by the playground\'s localhost server: its clients share one PostgreSQL session, so a notification could not reach the client that listens',
  hint: 'Poll a table instead, or run this part against your own PostgreSQL server.',
};
export const HOLD_REFUSAL = {
  message: 'cursors WITH HOLD are not supported by the playground\'s localhost server: its clients share one PostgreSQL session, so a cursor cannot outlive its transaction',
  hint: 'Declare the cursor without WITH HOLD inside BEGIN … COMMIT, and fetch before the COMMIT.',
};

/** A setting name as PostgreSQL keys it: unquoted parts lower-cased, quoted ones kept. */
function settingName(raw: string): string {
  return raw
    .split('.')
    .map((p) => p.trim())
    .map((p) => (p.startsWith('"') ? p.slice(1, -1).replace(/""/g, '"') : p.toLowerCase()))
    .join('.');
}

/** What `sql` (one or more statements) may do to the session. */
export function sessionEffects(sql: string): SessionEffects {
  let settings = false;
  let objects = false;
  const custom: string[] = [];
  for (const { sql: s } of splitStatements(sql)) {
    if (/^listen\b/i.test(s)) return { settings, objects, customSettings: custom, refusal: LISTEN_REFUSAL };
    if (/^declare\b[^;]*?\bcursor\s+with\s+hold\b/i.test(s)) return { settings, objects, customSettings: custom, refusal: HOLD_REFUSAL };
    if (SETTINGS_START.test(s) || SET_CONFIG.test(s)) settings = true;
    if (OBJECTS_START.test(s) || TEMP_OBJECT.test(s) || SESSION_LOCK.test(s)) objects = true;
    const named = CUSTOM_SET.exec(s);
    if (named) custom.push(settingName(named[1]!));
    for (const m of s.matchAll(CUSTOM_SET_CONFIG)) custom.push(m[1]!.toLowerCase());
  }
  return { settings, objects, customSettings: custom };
}

/**
 * A simple query that is exactly `DISCARD ALL` or `DEALLOCATE [PREPARE] ALL`: the server does it for this client
 * only (PostgreSQL would also drop the other clients' prepared statements and the extension's temporary tables).
 */
export function sessionWideCommand(sql: string): 'discard all' | 'deallocate all' | undefined {
  const statements = splitStatements(sql);
  if (statements.length !== 1) return undefined;
  const s = statements[0]!.sql.replace(/\s+/g, ' ').toLowerCase();
  if (s === 'discard all') return 'discard all';
  if (s === 'deallocate all' || s === 'deallocate prepare all') return 'deallocate all';
  return undefined;
}

/** The name `PREPARE name …` creates, as pg_prepared_statements shows it, or undefined. */
export function preparedName(statement: string): string | undefined {
  const m = new RegExp(`^prepare\\s+(${IDENT})`, 'i').exec(statement.trim());
  if (!m || /^transaction$/i.test(m[1]!)) return undefined;
  return settingName(m[1]!);
}

/** The statement `EXECUTE name …` runs, or undefined. */
export function executedName(statement: string): string | undefined {
  const m = new RegExp(`^execute\\s+(${IDENT})`, 'i').exec(statement.trim());
  return m ? settingName(m[1]!) : undefined;
}

/** The `PREPARE name …` statement in `text` (pg_prepared_statements shows the whole query string it came in). */
export function prepareStatementIn(text: string, name: string): string | undefined {
  return splitStatements(text).find((s) => preparedName(s.sql) === name)?.sql;
}
