/**
 * Serves one playground database over the PostgreSQL protocol on 127.0.0.1, so the user's own app, psql or an ORM
 * can connect to it. The listener and the protocol framing run on the calling thread (the extension host); the
 * database stays where it is (in its worker thread in the product), reached through a ProtocolTarget.
 *
 * Writes that arrive here run as ordinary SQL on the database's own session, so a replica's capture triggers put
 * them in its queue exactly like writes from the SQL editor. `onDidChangeDatabase` tells the UI to refresh.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { Mutex, withTimeout } from 'async-mutex';
import { Emitter } from '../../core/emitter';
import type { IDisposable } from '../../core/dispose';
import { PortInUseError, PortNotAllowedError } from '../../core/serve/serveErrors';
import { serveConnectionString } from '../../core/serve/connectionInfo';
import type { DatabaseChange } from '../../core/serve/serveModel';
import { ClientSession, type SessionHost } from './clientSession';
import { newServePassword } from './passwordAuth';
import type { ProtocolTarget } from './protocolTarget';
import { dataRows, errorResponse, queryMessage } from './wireMessages';

/** Loopback only: the database has no TLS and one shared session; it must never be reachable from the network. */
export const SERVE_HOST = '127.0.0.1';

export interface WireServerOptions {
  /** TCP port; 0 or undefined = a free port chosen by the system. */
  readonly port?: number;
  /** Default: a new random password. */
  readonly password?: string;
  /** How long a client waits for another client's open transaction before it gets an error. Default 30. */
  readonly lockWaitSeconds?: number;
  /**
   * A client idle inside a transaction for this long is disconnected (rolled back), like PostgreSQL's
   * idle_in_transaction_session_timeout. Default 0 = never.
   */
  readonly idleInTransactionSeconds?: number;
  /** At most this many clients at once; more get "too many clients". Default 32. */
  readonly maxClients?: number;
}

/** Settings a client library expects in ParameterStatus after authentication (libpq, pg, JDBC read these). */
const REPORTED = [
  'server_version', 'server_encoding', 'client_encoding', 'DateStyle', 'IntervalStyle', 'TimeZone',
  'integer_datetimes', 'standard_conforming_strings', 'is_superuser', 'session_authorization',
];

export class WireServer implements IDisposable {
  readonly host = SERVE_HOST;
  readonly user = 'postgres';
  readonly database = 'postgres';
  readonly #sessions = new Set<ClientSession>();
  /** Every open socket, refused ones too: stop() ends them all so the port is free when it resolves. */
  readonly #sockets = new Set<Socket>();
  readonly #onDidChangeDatabase = new Emitter<DatabaseChange>();
  readonly #onDidChangeClients = new Emitter<number>();
  #stopping: Promise<void> | undefined;

  /**
   * Fires when a client committed a transaction that wrote (or ran a write outside a transaction): refresh the
   * tree, the queue inspector, open results. Not fired for read-only or rolled-back transactions.
   */
  readonly onDidChangeDatabase = this.#onDidChangeDatabase.event;
  /** Fires with the number of connected clients when one connects or leaves. */
  readonly onDidChangeClients = this.#onDidChangeClients.event;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    /** The password clients must give. Show it to the user only; never log it. */
    readonly password: string,
    private readonly sessionHost: Omit<SessionHost, 'changed'>,
    private readonly maxClients: number,
  ) {
    server.on('connection', (socket) => this.#accept(socket));
    // after listen, errors are per-connection trouble (e.g. EMFILE on accept): an unhandled 'error' event would
    // take the whole extension host down, and the listener keeps serving the others
    server.on('error', () => undefined);
  }

  /** Starts listening on 127.0.0.1. Throws PortInUseError / PortNotAllowedError with a message for the user. */
  static async start(target: ProtocolTarget, options: WireServerOptions = {}): Promise<WireServer> {
    const port = options.port ?? 0;
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new PortNotAllowedError(port, 'it is not a TCP port number (1-65535)');
    const lockWaitSeconds = options.lockWaitSeconds ?? 30;
    const parameters = await readParameters(target);
    const server = createServer({ noDelay: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // exclusive: never share the port with another process' listener (cluster mode would)
      server.listen({ host: SERVE_HOST, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') throw new PortInUseError(port);
      if (e.code === 'EACCES') throw new PortNotAllowedError(port, 'this user may not listen on it (ports below 1024 need privileges)');
      throw e;
    });
    const address = server.address();
    const bound = typeof address === 'object' && address ? address.port : port;
    const floor = withTimeout(new Mutex(), lockWaitSeconds * 1000);
    const password = options.password ?? newServePassword();
    return new WireServer(
      server,
      bound,
      password,
      {
        target,
        user: 'postgres',
        database: 'postgres',
        password,
        parameters,
        floor,
        lockWaitSeconds,
        idleInTransactionSeconds: options.idleInTransactionSeconds ?? 0,
      },
      options.maxClients ?? 32,
    );
  }

  /** postgres://postgres:<password>@127.0.0.1:<port>/postgres */
  get connectionString(): string {
    return serveConnectionString({ host: this.host, port: this.port, user: this.user, password: this.password, database: this.database });
  }

  get clientCount(): number {
    return this.#sessions.size;
  }

  get isStopped(): boolean {
    return this.#stopping !== undefined;
  }

  #accept(socket: Socket): void {
    if (this.#stopping || this.#sessions.size >= this.maxClients) {
      // a FATAL before startup is read is what PostgreSQL itself does for "too many clients"
      const message = this.#stopping ? 'the playground is stopping to serve this database' : `sorry, too many clients already (this playground server allows ${this.maxClients})`;
      socket.on('error', () => undefined);
      socket.end(errorResponse({ severity: 'FATAL', code: this.#stopping ? '57P01' : '53300', message }));
      // a client that never closes its side must not keep the port (server.close waits for every socket)
      setTimeout(() => socket.destroy(), 1000).unref();
      this.#sockets.add(socket);
      socket.once('close', () => this.#sockets.delete(socket));
      return;
    }
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
    const session = new ClientSession(socket, { ...this.sessionHost, changed: (change) => this.#onDidChangeDatabase.fire(change) });
    this.#sessions.add(session);
    this.#onDidChangeClients.fire(this.#sessions.size);
    socket.once('close', () => {
      if (this.#sessions.delete(session)) this.#onDidChangeClients.fire(this.#sessions.size);
    });
  }

  /**
   * Disconnects every client (open transactions are rolled back) and keeps listening: when the database behind the
   * server was replaced (the playground was reset), its clients' prepared statements and session are gone, so
   * they are told to connect again rather than fail later. Resolves when they are gone.
   */
  async disconnectClients(message: string): Promise<void> {
    await Promise.all([...this.#sessions].map((s) => s.close({ severity: 'FATAL', code: '57P01', message })));
  }

  /**
   * Stops listening and disconnects every client (open transactions are rolled back). Resolves when the port is
   * free and the database is no longer held by a client.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      await Promise.all(
        [...this.#sessions].map((s) =>
          s.close({ severity: 'FATAL', code: '57P01', message: 'terminating connection: the playground stopped serving this database' }),
        ),
      );
      for (const socket of this.#sockets) socket.destroy();
      await closed;
      this.#onDidChangeDatabase.dispose();
      this.#onDidChangeClients.dispose();
    })();
    return this.#stopping;
  }

  dispose(): void {
    void this.stop();
  }
}

async function readParameters(target: ProtocolTarget): Promise<Map<string, string>> {
  const names = REPORTED.map((n) => `('${n}')`).join(', ');
  const out = await target.exclusive((exec) =>
    exec(queryMessage(`SELECT n, current_setting(n) FROM (VALUES ${names}) AS s(n)`)),
  );
  return new Map(dataRows(out).map((r) => [r[0]!, r[1]!]));
}
