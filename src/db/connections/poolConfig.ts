/**
 * A saved profile as node-postgres configuration. Fields, not a connection string, so nothing has to be
 * escaped and the password is never part of a string that could be logged.
 */
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { ConnectionOptions } from '../../core/connections/connectionDriver';
import { DEFAULT_APPLICATION_NAME, type ConnectionProfile } from '../../core/connections/profile';
import { InvalidInputError } from '../../core/errors';

/** The node-postgres `ssl` option for a profile's SSL mode (libpq semantics). */
export function sslOption(profile: ConnectionProfile, readFile: (p: string) => Buffer = readFileSync): pg.ClientConfig['ssl'] {
  switch (profile.sslMode) {
    case 'disable':
      return false;
    case 'require':
      // libpq's `require`: encrypt, but do not verify the certificate
      return { rejectUnauthorized: false };
    case 'verify-ca':
      // trust the CA; do not compare the host name with the certificate
      return { ca: readCa(profile, readFile), rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ca: readCa(profile, readFile), rejectUnauthorized: true };
  }
}

function readCa(profile: ConnectionProfile, readFile: (p: string) => Buffer): Buffer {
  if (!profile.caFile) throw new InvalidInputError(`SSL mode ${profile.sslMode} needs a CA file.`, 'caFile');
  try {
    return readFile(profile.caFile);
  } catch (e) {
    throw new InvalidInputError(`Cannot read the CA file ${profile.caFile}: ${(e as Error).message}`, 'caFile');
  }
}

/** Pool configuration for one database of a profile. */
export function toPoolConfig(
  profile: ConnectionProfile,
  password: string | undefined,
  options: ConnectionOptions,
  database = profile.database,
): pg.PoolConfig {
  return {
    host: profile.host,
    port: profile.port,
    user: profile.user,
    database,
    ...(password !== undefined ? { password } : {}),
    ssl: sslOption(profile),
    application_name: profile.applicationName || DEFAULT_APPLICATION_NAME,
    connectionTimeoutMillis: options.connectTimeoutMs,
    // sent in the startup packet: the server enforces it for every statement of the session
    ...(options.statementTimeoutMs > 0 ? { statement_timeout: options.statementTimeoutMs } : {}),
    // the server, not us, refuses writes: every transaction of these sessions starts READ ONLY
    ...(profile.readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
    // a few connections per database are plenty for an explorer and a SQL runner
    max: 4,
    idleTimeoutMillis: 60_000,
    keepAlive: true,
  };
}
