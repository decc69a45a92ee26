/**
 * Reads a pasted connection string — a URL (`postgres://user:pw@host:5432/db?sslmode=require`) or libpq's
 * keyword/value form (`host=db port=5432 dbname=app user=me password='x y'`) — into profile fields and the
 * password, kept apart so that the password goes to secret storage and the rest to settings.
 */
import { InvalidInputError } from '../errors';
import { redact } from './redact';
import { SSL_MODES, type ProfileDraft, type SslMode } from './profile';

/** What a connection string says. `password` is split out: it must never be stored with the profile. */
export interface ParsedConnectionString {
  readonly fields: Partial<Omit<ProfileDraft, 'name' | 'readOnly'>>;
  readonly password?: string;
}

/** Parses either form. Throws InvalidInputError saying which part is wrong. */
export function parseConnectionString(text: string): ParsedConnectionString {
  const s = text.trim();
  if (!s) throw new InvalidInputError('The connection string is empty.');
  return /^postgres(ql)?:\/\//i.test(s) ? parseUrl(s) : parseKeywords(s);
}

function parseUrl(s: string): ParsedConnectionString {
  // URL parsers quietly encode a raw space; a URL with one is mistyped, and logs could not tell where it ends
  if (/\s/.test(s)) throw new InvalidInputError('A postgres:// URL cannot contain spaces: write a space as %20, or use the form host=… password=\'…\'.');
  let url: URL;
  try {
    // WHATWG URL only knows the authority of special schemes; parse as http and keep our own scheme check
    url = new URL(s.replace(/^postgres(ql)?:/i, 'http:'));
  } catch {
    throw new InvalidInputError('The connection string is not a valid postgres:// URL.');
  }
  if (url.host.includes(',') || s.split('@').pop()!.split('/')[0]!.includes(',')) {
    throw new InvalidInputError('Connection strings with several hosts are not supported: keep one host.');
  }
  const kv: Record<string, string> = {};
  if (url.hostname) kv.host = decode(url.hostname.replace(/^\[(.*)\]$/, '$1'), 'host');
  if (url.port) kv.port = url.port;
  if (url.username) kv.user = decode(url.username, 'user name');
  if (url.password) kv.password = decode(url.password, 'password');
  const db = decode(url.pathname.replace(/^\//, ''), 'database name');
  if (db) kv.dbname = db;
  for (const [k, v] of url.searchParams) kv[k] = v;
  return fromKeywords(kv);
}

/** Percent-decodes one part of a URL; a stray `%` is an input error that names the part (never its text). */
function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new InvalidInputError(`The ${what} in the connection string has a % that is not followed by two hex digits: write a % as %25.`);
  }
}

/** libpq keyword/value: `key = value` pairs, values optionally single-quoted with `\'` and `\\` escapes. */
function parseKeywords(s: string): ParsedConnectionString {
  const kv: Record<string, string> = {};
  const re = /\s*([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|([^\s']*))/y;
  let i = 0;
  let key = '';
  while (i < s.length) {
    if (/^\s*$/.test(s.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) {
      // what follows password= is (part of) the password: the message must not quote it
      throw new InvalidInputError(
        key === 'password'
          ? "Cannot read the password in the connection string: put it in single quotes, with \\' for a quote inside it."
          : `Cannot read the connection string near "${redact(s.slice(i, i + 20).trim())}": expected key=value pairs or a postgres:// URL.`,
      );
    }
    key = m[1]!.toLowerCase();
    kv[key] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
    i = re.lastIndex;
  }
  return fromKeywords(kv);
}

const KNOWN = new Set(['host', 'hostaddr', 'port', 'dbname', 'user', 'password', 'sslmode', 'sslrootcert', 'application_name', 'connect_timeout']);

function fromKeywords(kv: Record<string, string>): ParsedConnectionString {
  const unknown = Object.keys(kv).filter((k) => !KNOWN.has(k));
  if (unknown.length) {
    throw new InvalidInputError(`The connection string has settings this extension does not support: ${unknown.join(', ')}.`);
  }
  const fields: { -readonly [K in keyof ParsedConnectionString['fields']]: ParsedConnectionString['fields'][K] } = {};
  const host = kv.host ?? kv.hostaddr;
  if (host !== undefined) {
    if (host.includes(',')) throw new InvalidInputError('Connection strings with several hosts are not supported: keep one host.');
    if (host.startsWith('/')) throw new InvalidInputError('Unix socket hosts are not supported: use a TCP host name.');
    fields.host = host;
  }
  if (kv.port !== undefined) {
    const port = Number(kv.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidInputError(`Port "${kv.port}" is not a port number.`, 'port');
    fields.port = port;
  }
  if (kv.dbname) fields.database = kv.dbname;
  if (kv.user) fields.user = kv.user;
  if (kv.sslmode !== undefined) fields.sslMode = sslModeOf(kv.sslmode);
  if (kv.sslrootcert) fields.caFile = kv.sslrootcert;
  if (kv.application_name) fields.applicationName = kv.application_name;
  return kv.password ? { fields, password: kv.password } : { fields };
}

function sslModeOf(v: string): SslMode {
  if ((SSL_MODES as readonly string[]).includes(v)) return v as SslMode;
  if (v === 'prefer' || v === 'allow') {
    throw new InvalidInputError(
      `sslmode=${v} is not supported (it falls back to an unencrypted connection without saying so): use disable or require.`,
      'sslMode',
    );
  }
  throw new InvalidInputError(`Unknown sslmode "${v}": use one of ${SSL_MODES.join(', ')}.`, 'sslMode');
}

/**
 * Completes what a connection string left out with libpq's defaults (localhost, 5432, database = user) and
 * names the connection after its target.
 */
export function draftFromConnectionString(parsed: ParsedConnectionString, name?: string): ProfileDraft {
  const f = parsed.fields;
  if (!f.user) throw new InvalidInputError('The connection string names no user: add user=… or user@host.', 'user');
  const host = f.host ?? 'localhost';
  const port = f.port ?? 5432;
  const database = f.database ?? f.user;
  return {
    name: name?.trim() || `${f.user}@${host}/${database}`,
    host,
    port,
    database,
    user: f.user,
    sslMode: f.sslMode ?? 'disable',
    ...(f.caFile ? { caFile: f.caFile } : {}),
    ...(f.applicationName ? { applicationName: f.applicationName } : {}),
  };
}
