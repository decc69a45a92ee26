/**
 * A connection profile: where a real PostgreSQL server is and how to reach it. Never holds a password: those
 * live in secret storage, keyed by the profile's id (see profileStore.ts).
 */
import { z } from 'zod';
import { InvalidInputError } from '../errors';

/** The SSL modes we support. `prefer`/`allow` are not offered: they silently fall back to plain text. */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** A saved connection. What `syncPlayground.connections` holds, one object per connection. */
export interface ConnectionProfile {
  /** Stable id (a uuid); the key of the password in secret storage. */
  readonly id: string;
  /** What the user calls it in the sidebar. */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The database to connect to first; the explorer lists the server's other databases too. */
  readonly database: string;
  readonly user: string;
  readonly sslMode: SslMode;
  /** PEM file of the CA that signed the server's certificate (verify-ca, verify-full). */
  readonly caFile?: string;
  /** `application_name` of our sessions, as pg_stat_activity shows it. */
  readonly applicationName?: string;
  /** Sessions run with default_transaction_read_only=on: the server rejects writes. */
  readonly readOnly?: boolean;
}

/** A profile being created or edited: everything but the id. */
export type ProfileDraft = Omit<ConnectionProfile, 'id'>;

/** The `application_name` our sessions use when the profile names none. */
export const DEFAULT_APPLICATION_NAME = 'Sync Playground';

const draftSchema = z.object({
  name: z.string().trim().min(1, 'a connection needs a name'),
  host: z.string().trim().min(1, 'a host is required'),
  port: z.number().int().min(1).max(65535),
  database: z.string().min(1, 'a database is required'),
  user: z.string().min(1, 'a user is required'),
  sslMode: z.enum(SSL_MODES),
  caFile: z.string().min(1).optional(),
  applicationName: z.string().optional(),
  readOnly: z.boolean().optional(),
});

const profileSchema = draftSchema.extend({ id: z.string().min(1) });

function check<T>(schema: z.ZodType<T>, raw: unknown, where: string): T {
  const r = schema.safeParse(raw);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.join('.');
  throw new InvalidInputError(`${where}: ${field ? `${field}: ` : ''}${issue.message}`, field || undefined);
}

/** Checks a draft from a form or a settings file. Throws InvalidInputError naming the field. */
export function validateDraft(raw: unknown, where = 'Connection'): ProfileDraft {
  const d = check(draftSchema, raw, where);
  if ((d.sslMode === 'verify-ca' || d.sslMode === 'verify-full') && !d.caFile) {
    throw new InvalidInputError(`${where}: SSL mode ${d.sslMode} needs a CA file (caFile)`, 'caFile');
  }
  return stripUndefined(d);
}

/** Checks a saved profile (with its id). */
export function validateProfile(raw: unknown, where = 'Connection'): ConnectionProfile {
  const p = check(profileSchema, raw, where);
  return { id: p.id, ...validateDraft({ ...p, id: undefined }, where) };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'id')) as T;
}

/** `user@host:port/database`: how messages name a connection target. Never includes a password. */
export function describeTarget(p: Pick<ConnectionProfile, 'user' | 'host' | 'port' | 'database'>, database?: string): string {
  const host = p.host.includes(':') ? `[${p.host}]` : p.host;
  return `${p.user}@${host}:${p.port}/${database ?? p.database}`;
}
