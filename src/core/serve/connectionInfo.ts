/** What the user copies to point an app at a served playground database. */

export interface ServeAddress {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
}

/** `postgres://user:password@host:port/database`, with user, password and database percent-encoded. */
export function serveConnectionString(a: ServeAddress): string {
  const enc = encodeURIComponent;
  return `postgres://${enc(a.user)}:${enc(a.password)}@${a.host}:${a.port}/${enc(a.database)}`;
}

/** A line for a .env file: `DATABASE_URL=postgres://…` (the URL needs no quoting: it is percent-encoded). */
export function databaseUrlLine(connectionString: string): string {
  return `DATABASE_URL=${connectionString}`;
}

/** Parses the port the user typed: empty = any free port (0). Returns an error text for anything else. */
export function parsePortInput(text: string): { port: number } | { error: string } {
  const t = text.trim();
  if (t === '') return { port: 0 };
  if (!/^\d{1,5}$/.test(t)) return { error: 'Type a port number (1-65535), or leave it empty for a free port.' };
  const port = Number(t);
  if (port < 1 || port > 65535) return { error: 'A port is between 1 and 65535; leave it empty for a free port.' };
  return { port };
}
