/**
 * The ConnectionDriver over node-postgres: pools for the explorer, monitor and SQL runner, and one-off clients
 * for "Test connection". Every connect can be aborted (a hanging TCP handshake or a server that never
 * answers), and is bounded by connectionTimeoutMillis anyway.
 */
import pg from 'pg';
import { ConnectError, type ConnectTarget } from '../../core/connections/connectError';
import type { ConnectionCheck, ConnectionDriver, ConnectionOptions, OpenConnection } from '../../core/connections/connectionDriver';
import type { ConnectionProfile } from '../../core/connections/profile';
import { Emitter } from '../../core/emitter';
import { PgSqlPort } from '../pgPort';
import { classifyConnectError } from './classifyConnectError';
import { toPoolConfig } from './poolConfig';
import { ReconnectingPort } from './reconnectingPort';

function targetOf(profile: ConnectionProfile, database = profile.database): ConnectTarget {
  return { host: profile.host, port: profile.port, user: profile.user, database, sslMode: profile.sslMode, ...(profile.caFile ? { caFile: profile.caFile } : {}) };
}

/** Races `work` against `signal`; on abort runs `onAbort` (which must tear the attempt down) and rejects. */
async function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined, target: ConnectTarget, onAbort: () => void): Promise<T> {
  if (!signal) return work;
  const cancelled = () => new ConnectError('cancelled', target, 'cancelled by the user');
  if (signal.aborted) {
    onAbort();
    throw cancelled();
  }
  let off = () => {};
  const aborted = new Promise<never>((_, reject) => {
    const on = () => {
      onAbort();
      reject(cancelled());
    };
    signal.addEventListener('abort', on, { once: true });
    off = () => signal.removeEventListener('abort', on);
  });
  try {
    return await Promise.race([work, aborted]);
  } finally {
    off();
  }
}

export class PgConnectionDriver implements ConnectionDriver {
  async open(
    profile: ConnectionProfile,
    password: string | undefined,
    options: ConnectionOptions,
    database = profile.database,
    signal?: AbortSignal,
  ): Promise<OpenConnection> {
    const target = targetOf(profile, database);
    let config: pg.PoolConfig;
    try {
      config = toPoolConfig(profile, password, options, database);
    } catch (e) {
      throw new ConnectError('ssl', target, (e as Error).message, { cause: e });
    }
    const pool = new pg.Pool(config);
    const lost = new Emitter<ConnectError>();
    // Without a listener an idle client's error would crash the extension host. The pool has already dropped
    // the client; the next query opens a new one.
    pool.on('error', (e) => lost.fire(classifyConnectError(e, target)));

    let serverVersion: number;
    try {
      const client = await abortable(pool.connect(), signal, target, () => void pool.end().catch(() => undefined));
      try {
        serverVersion = Number((await client.query<{ v: string }>('SHOW server_version_num')).rows[0]!.v);
      } finally {
        client.release();
      }
    } catch (e) {
      void pool.end().catch(() => undefined);
      throw classifyConnectError(e, target, options.connectTimeoutMs);
    }

    const port = new ReconnectingPort(new PgSqlPort(pool), target, profile.readOnly === true);
    return {
      port,
      serverVersion,
      onDidLose: (listener) => lost.event(listener),
      dispose: () => {
        lost.dispose();
        void port.close().catch(() => undefined);
      },
    };
  }

  async test(
    profile: ConnectionProfile,
    password: string | undefined,
    options: ConnectionOptions,
    signal?: AbortSignal,
  ): Promise<ConnectionCheck> {
    const target = targetOf(profile);
    let client: pg.Client;
    try {
      client = new pg.Client(toPoolConfig(profile, password, options));
    } catch (e) {
      throw new ConnectError('ssl', target, (e as Error).message, { cause: e });
    }
    // a failed connect also emits 'error' on some paths; it is reported through the rejected promise
    client.on('error', () => undefined);
    try {
      await abortable(client.connect(), signal, target, () => void client.end().catch(() => undefined));
      const r = await client.query<{ version: string; num: string; ssl: boolean | null; ro: string }>(
        `SELECT split_part(version(), ' on ', 1) AS version,
                current_setting('server_version_num') AS num,
                (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS ssl,
                current_setting('default_transaction_read_only') AS ro`,
      );
      const row = r.rows[0]!;
      return { serverVersion: row.version.split(',')[0]!, serverVersionNum: Number(row.num), ssl: row.ssl === true, readOnly: row.ro === 'on' };
    } catch (e) {
      throw classifyConnectError(e, target, options.connectTimeoutMs);
    } finally {
      void client.end().catch(() => undefined);
    }
  }
}
