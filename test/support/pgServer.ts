/**
 * Starts a real PostgreSQL server for tests: initdb + pg_ctl into a fresh temp dir, a free port on 127.0.0.1,
 * `wal_level=logical`. Stopped by `stop()`, and also when the process exits or is interrupted — even by SIGKILL,
 * through a tiny watchdog shell that outlives us by a second.
 *
 *   const server = await startPgServer();
 *   const db = PgSqlPort.fromConfig(server.poolConfig());
 *
 * initdb refuses to run as root: as root the cluster belongs to the `postgres` system user (created when missing).
 *
 * TLS: `startPgServer({ ssl: certs.localhost, hostRules: ['hostssl all all 127.0.0.1/32 trust'] })` serves SSL
 * with certificates from test/support/tlsCerts.ts; the harness itself always connects over the unix socket.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, appendFileSync, writeFileSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import pg from 'pg';
import type { CertificateFiles } from './tlsCerts';

export interface PgServer {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** The superuser (trust auth on the unix socket and on 127.0.0.1). */
  readonly user: string;
  readonly database: 'postgres';
  /** postgres://user@127.0.0.1:port/postgres */
  readonly connectionString: string;
  /** A login role that must authenticate with a password (scram-sha-256 on 127.0.0.1): for wrong-password tests. */
  readonly passwordUser: { readonly user: string; readonly password: string };
  readonly dataDir: string;
  /** Directory of the unix socket (`host` for a socket connection). */
  readonly socketDir: string;
  /** server_version_num, e.g. 150014. */
  readonly version: number;
  /** A pool config for the superuser on `db` (default `postgres`). */
  poolConfig(db?: string): pg.PoolConfig;
  /** Creates a database owned by the superuser and returns a pool config for it. */
  createDatabase(name: string): Promise<pg.PoolConfig>;
  /** The server log so far (for failure messages). */
  log(): string;
  /** Fast shutdown, then removes the temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server but keeps its data (`immediate` = a crash: no checkpoint), for outage tests. */
  stopServer(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts a server stopped by stopServer on the same port and data. */
  startServer(): Promise<void>;
  /** SSL servers: presents `files` to new connections from now on (reloads the configuration, no restart). */
  useSslCertificate(files: CertificateFiles): Promise<void>;
}

export interface PgServerOptions {
  /** Labels the temp dir and messages (several servers per process are fine). */
  readonly name?: string;
  /** Serve SSL (`ssl = on`) with this certificate and key; they are copied into the server's folder. */
  readonly ssl?: CertificateFiles;
  /**
   * pg_hba.conf lines for TCP connections, replacing the defaults (trust on 127.0.0.1, scram for passwordUser),
   * e.g. `hostssl all all 127.0.0.1/32 trust` for a server that accepts only SSL. The unix socket stays trusted.
   */
  readonly hostRules?: readonly string[];
}

export const PASSWORD_USER = { user: 'sp_test', password: 'sp_test_pw' } as const;
const SUPERUSER = 'postgres';

/** Where initdb/pg_ctl live: $SYNC_PLAYGROUND_PG_BINDIR, the highest /usr/lib/postgresql/N/bin, pg_config, PATH. */
export function findPgBinDir(): string {
  const has = (dir: string) => existsSync(path.join(dir, 'initdb')) && existsSync(path.join(dir, 'pg_ctl'));
  const fromEnv = process.env.SYNC_PLAYGROUND_PG_BINDIR;
  if (fromEnv) {
    if (!has(fromEnv)) throw new Error(`SYNC_PLAYGROUND_PG_BINDIR=${fromEnv} has no initdb/pg_ctl`);
    return fromEnv;
  }
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    const versions = readdirSync(debian)
      .filter((v) => /^\d+(\.\d+)?$/.test(v) && has(path.join(debian, v, 'bin')))
      .sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(debian, versions[0], 'bin');
  }
  try {
    const dir = execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim();
    if (has(dir)) return dir;
  } catch {
    // no pg_config: try PATH below
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir && has(dir)) return dir;
  throw new Error(
    'No PostgreSQL server binaries (initdb, pg_ctl) found. Install them (Debian: apt-get install postgresql) ' +
      'or set SYNC_PLAYGROUND_PG_BINDIR to their directory.',
  );
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/** As root, the OS user that owns clusters; otherwise undefined (we run as ourselves). */
function clusterOsUser(): string | undefined {
  if (!isRoot()) return undefined;
  const user = process.env.SYNC_PLAYGROUND_PG_OS_USER ?? 'postgres';
  if (spawnSync('id', ['-u', user]).status !== 0) {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', user], { stdio: 'inherit' });
  }
  return user;
}

/** argv that runs `bin` as the cluster owner. */
function asOwner(osUser: string | undefined, bin: string, args: string[]): [string, string[]] {
  return osUser ? ['runuser', ['-u', osUser, '--', bin, ...args]] : [bin, args];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: [string, string[]], cwd: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd[0], cmd[1], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C.UTF-8' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, out }));
  });
}

/** A temp dir with a short path: the unix socket path must stay under 108 bytes. */
function makeTempDir(name: string): string {
  let base = os.tmpdir();
  if (base.length > 40) base = '/tmp';
  return mkdtempSync(path.join(base, `sp-pg-${name.replace(/[^a-zA-Z0-9]/g, '').slice(0, 12)}-`));
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup of every live server when the process ends, however it ends.

interface Live {
  dataDir: string;
  root: string;
  pgCtl: [string, string[]];
  watchdog: number | undefined;
}
const live = new Set<Live>();
let handlersInstalled = false;

function stopSync(s: Live): void {
  live.delete(s);
  try {
    execFileSync(s.pgCtl[0], s.pgCtl[1], { stdio: 'ignore', cwd: s.root, timeout: 20_000 });
  } catch {
    // already stopped, or pg_ctl failed: the watchdog still kills the postmaster
  }
  if (s.watchdog) {
    try {
      process.kill(s.watchdog, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  rmSync(s.root, { recursive: true, force: true });
}

function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const s of [...live]) stopSync(s);
  });
  for (const [signal, n] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]] as const) {
    const handler = () => {
      for (const s of [...live]) stopSync(s);
      // when nobody else handles the signal, behave like the default (terminate)
      if (process.listenerCount(signal) === 1) process.exit(128 + n);
    };
    process.on(signal, handler);
  }
}

/**
 * A detached shell that waits for this process to die and then kills the postmaster (SIGQUIT = immediate
 * shutdown) and removes the temp dir: covers SIGKILL, where no handler of ours runs.
 */
function startWatchdog(root: string, dataDir: string): number | undefined {
  const script =
    `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
    `pid=$(head -1 '${dataDir}/postmaster.pid' 2>/dev/null); [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null; ` +
    `sleep 2; rm -rf '${root}'`;
  const child = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

// ---------------------------------------------------------------------------------------------------------------

/** Starts a new cluster. */
export async function startPgServer(opts: PgServerOptions = {}): Promise<PgServer> {
  const name = opts.name ?? 'pg';
  const binDir = findPgBinDir();
  const osUser = clusterOsUser();
  installHandlers();

  const root = makeTempDir(name);
  const dataDir = path.join(root, 'data');
  const socketDir = root;
  const logFile = path.join(root, 'server.log');
  chmodSync(root, 0o700);
  if (osUser) execFileSync('chown', [osUser, root]);
  const bin = (b: string) => path.join(binDir, b);
  const fail = (what: string, out: string) => {
    rmSync(root, { recursive: true, force: true });
    return new Error(`PostgreSQL test server "${name}": ${what}\n${out}`);
  };

  const init = await run(
    asOwner(osUser, bin('initdb'), [
      '-D', dataDir, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync', '--no-instructions',
    ]),
    root,
  );
  if (init.code !== 0) throw fail('initdb failed', init.out);

  const hostRules = opts.hostRules ?? [
    `host  all         ${PASSWORD_USER.user}  127.0.0.1/32 scram-sha-256`,
    'host  all         all   127.0.0.1/32    trust',
    'host  replication all   127.0.0.1/32    trust',
  ];
  writeFileSync(
    path.join(dataDir, 'pg_hba.conf'),
    ['# written by test/support/pgServer.ts', 'local all         all                   trust', 'local replication all                   trust', ...hostRules, ''].join('\n'),
  );

  // the server reads its key only if the cluster owner owns it and nobody else can read it
  let installed = 0;
  const install = (files: CertificateFiles): { cert: string; key: string } => {
    const n = installed++;
    const cert = path.join(root, `server-${n}.crt`);
    const key = path.join(root, `server-${n}.key`);
    copyFileSync(files.certFile, cert);
    copyFileSync(files.keyFile, key);
    chmodSync(key, 0o600);
    if (osUser) execFileSync('chown', [osUser, cert, key]);
    return { cert, key };
  };
  const sslSettings: string[] = [];
  if (opts.ssl) {
    const { cert, key } = install(opts.ssl);
    sslSettings.push('ssl = on', `ssl_cert_file = '${cert}'`, `ssl_key_file = '${key}'`);
  }

  // a free port can be taken between our probe and the server's bind: retry with another one
  let port = 0;
  let started: { code: number; out: string } = { code: 1, out: '' };
  for (let attempt = 0; attempt < 3 && started.code !== 0; attempt++) {
    port = await freePort();
    appendFileSync(
      path.join(dataDir, 'postgresql.conf'),
      [
        '',
        '# test server settings (last one wins)',
        `port = ${port}`,
        "listen_addresses = '127.0.0.1'",
        `unix_socket_directories = '${socketDir}'`,
        'wal_level = logical',
        'max_replication_slots = 20',
        'max_wal_senders = 20',
        'max_worker_processes = 20',
        'max_logical_replication_workers = 10',
        'max_connections = 100',
        'fsync = off',
        'synchronous_commit = off',
        'full_page_writes = off',
        "password_encryption = 'scram-sha-256'",
        'shared_buffers = 32MB',
        ...sslSettings,
        '',
      ].join('\n'),
    );
    started = await run(asOwner(osUser, bin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']), root);
  }
  const readLog = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');
  if (started.code !== 0) throw fail('pg_ctl start failed', `${started.out}\n--- server log ---\n${readLog()}`);

  const entry: Live = {
    dataDir,
    root,
    pgCtl: asOwner(osUser, bin('pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']),
    watchdog: startWatchdog(root, dataDir),
  };
  live.add(entry);

  const host = '127.0.0.1';
  const poolConfig = (db = 'postgres'): pg.PoolConfig => ({ host, port, user: SUPERUSER, database: db });
  // over the unix socket: TCP may be SSL-only (hostRules)
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const c = new pg.Client({ host: socketDir, port, user: SUPERUSER, database: 'postgres' });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };

  let version: number;
  try {
    version = await admin(async (c) => {
      await c.query(`CREATE ROLE ${PASSWORD_USER.user} LOGIN PASSWORD '${PASSWORD_USER.password}'`);
      const r = await c.query<{ server_version_num: string }>('SHOW server_version_num');
      return Number(r.rows[0]!.server_version_num);
    });
  } catch (e) {
    stopSync(entry);
    throw e;
  }

  let stopped = false;
  return {
    name,
    host,
    port,
    user: SUPERUSER,
    database: 'postgres',
    connectionString: `postgres://${SUPERUSER}@${host}:${port}/postgres`,
    passwordUser: PASSWORD_USER,
    dataDir,
    socketDir,
    version,
    poolConfig,
    async createDatabase(db: string) {
      await admin((c) => c.query(`CREATE DATABASE ${pg.escapeIdentifier(db)}`));
      return poolConfig(db);
    },
    log: readLog,
    async stopServer(mode = 'fast') {
      const r = await run(asOwner(osUser, bin('pg_ctl'), ['-D', dataDir, '-m', mode, '-w', 'stop']), root);
      if (r.code !== 0) throw new Error(`pg_ctl stop failed: ${r.out}`);
    },
    async startServer() {
      const r = await run(asOwner(osUser, bin('pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']), root);
      if (r.code !== 0) throw new Error(`pg_ctl start failed: ${r.out}\n--- server log ---\n${readLog()}`);
    },
    async useSslCertificate(files: CertificateFiles) {
      if (!opts.ssl) throw new Error(`PostgreSQL test server "${name}" was started without ssl`);
      const { cert, key } = install(files);
      await admin(async (c) => {
        await c.query(`ALTER SYSTEM SET ssl_cert_file = ${pg.escapeLiteral(cert)}`);
        await c.query(`ALTER SYSTEM SET ssl_key_file = ${pg.escapeLiteral(key)}`);
        await c.query('SELECT pg_reload_conf()');
      });
      // the postmaster reloads on SIGHUP, after pg_reload_conf() returns: a new backend shows when it has
      for (let i = 0; ; i++) {
        const now = await admin(async (c) => (await c.query<{ f: string }>('SELECT current_setting($1) AS f', ['ssl_cert_file'])).rows[0]!.f);
        if (now === cert) break;
        if (i > 200) throw new Error(`the server did not take the new certificate:\n${readLog()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      live.delete(entry);
      const r = await run(asOwner(osUser, bin('pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', 'stop']), root);
      if (r.code !== 0) stopSync(entry); // fall back to immediate shutdown; rethrowing would hide the test's result
      if (entry.watchdog) {
        try {
          process.kill(entry.watchdog, 'SIGKILL');
        } catch {
          // gone already
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
