/**
 * "Serve on Localhost": point your own app, psql or an ORM at a playground database. Commands, the tree actions,
 * the status bar item while serving, and the message with the connection string to copy. The server itself is
 * src/db/serve (loaded on first use, so activation stays cheap); which databases exist comes from ServeSources.
 */
import * as vscode from 'vscode';
import { Disposable, toDisposable } from '../../core/dispose';
import { databaseUrlLine, parsePortInput } from '../../core/serve/connectionInfo';
import { ServeManager } from '../../core/serve/serveManager';
import type { ServeCandidate, ServedDatabase, ServedDatabaseChange, ServedHandle } from '../../core/serve/serveModel';
import { DatabaseUnavailableError } from '../../core/serve/serveErrors';
import type { SqlPort } from '../../core/sql';
import type { ProtocolTarget } from '../../db/serve/protocolTarget';
import type { CommandTable } from '../commands';
import { CommandIds } from '../commandIds';
import type { Log } from '../log';
import { playgroundKey, type ServeSource, type ServeSources } from './serveSources';

/** A replication tree node, as VS Code passes it to a tree action (`port`: from a script or test, no prompt). */
interface TreeNodeArg {
  readonly type?: string;
  readonly name?: string;
  /** Serve on this port without asking (0 = a free port). */
  readonly port?: number;
}

/** How long a served playground database waits for the playground to come back before it stops being served. */
const REOPEN_GRACE_MS = 120_000;

const COPY_URL = 'Copy Connection String';
const COPY_ENV = 'Copy DATABASE_URL';

export class ServeFeature extends Disposable implements vscode.Disposable {
  readonly manager: ServeManager;
  readonly #status: vscode.StatusBarItem;
  /** Sources of the databases being served, by key (to reach the database again). */
  readonly #sources = new Map<string, ServeSource>();
  /** The database each served key was last served from: another one means the playground re-created it. */
  readonly #databases = new Map<string, SqlPort>();
  /** Served playground keys whose playground is closed, waiting for it to come back (then they stop). */
  readonly #waiting = new Map<string, NodeJS.Timeout>();
  /** Reasons already shown for writes that could not be recorded, by key (each is said once). */
  readonly #unrecordedShown = new Set<string>();

  /**
   * A client of a served database committed writes (key: "playground", "hub", "replica:<name>"). The replication
   * session can subscribe to refresh its panels; the tree is redrawn already.
   */
  readonly onDidChangeDatabase: (listener: (change: ServedDatabaseChange) => void) => vscode.Disposable;

  constructor(
    private readonly log: Log,
    private readonly sources: ServeSources,
  ) {
    super();
    this.manager = this._register(new ServeManager((candidate, port) => this.#start(candidate, port)));
    this.onDidChangeDatabase = (listener) => {
      const d = this.manager.onDidChangeDatabase(listener);
      return new vscode.Disposable(() => d.dispose());
    };
    this.#status = vscode.window.createStatusBarItem('syncPlayground.serve', vscode.StatusBarAlignment.Left, 90);
    this.#status.name = 'Sync Playground: Serving on Localhost';
    this.#status.command = CommandIds.copyServeConnectionString;
    this._register(toDisposable(() => this.#status.dispose()));
    this._register(this.manager.onDidChange(() => this.#renderStatus()));
    this._register(
      this.manager.onDidChangeDatabase((c) => {
        // recorded at once (the event comes before the next turn), so the step keeps its place among the others
        if (c.sql !== undefined) this.sources.recordServed(c.key, c.sql, c.client ? `over localhost (${c.client})` : 'over localhost');
        if (c.unrecorded?.length) this.#sayUnrecorded(c.key, c.unrecorded);
        if (c.tags.length) void this.sources.databaseChanged(c.key).catch((e) => this.log.warn(`refreshing after a write over localhost failed: ${String(e)}`));
      }),
    );
    // the playground's databases are replaced when it is reset or re-created: a served one follows its database
    this._register(sources.onDidChangePlayground((open) => void this.#follow(open).catch((e) => this.log.error('following the playground\'s databases failed', e))));
    this._register(toDisposable(() => this.#waiting.forEach((t) => clearTimeout(t))));
  }

  readonly commands: CommandTable = {
    serveOnLocalhost: (node?: TreeNodeArg) => this.serve(node),
    stopServing: (node?: TreeNodeArg) => this.stop(node),
    copyServeConnectionString: (node?: TreeNodeArg) => this.showConnection(node),
  };

  /** Picks a database (or takes the tree's), asks for a port, serves it and shows the connection string. */
  async serve(node?: TreeNodeArg): Promise<ServedDatabase | undefined> {
    const source = await this.#pickSource(node);
    if (!source) return undefined;
    const existing = this.manager.get(source.key);
    if (existing) {
      void this.#announce(existing, 'is already served');
      return existing;
    }
    const portText = node?.port !== undefined ? (node.port === 0 ? '' : String(node.port)) : await vscode.window.showInputBox({
      title: `Serve ${source.label} on 127.0.0.1`,
      prompt: 'TCP port on 127.0.0.1 (this machine only). Leave empty for a free port.',
      placeHolder: 'a free port',
      validateInput: (text) => {
        const p = parsePortInput(text);
        return 'error' in p ? p.error : undefined;
      },
    });
    if (portText === undefined) return undefined;
    const parsed = parsePortInput(portText);
    if ('error' in parsed) throw new Error(parsed.error);
    this.#sources.set(source.key, source);
    let served: ServedDatabase;
    try {
      served = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Serving ${source.label} on localhost…` },
        () => this.manager.serve(source, parsed.port),
      );
    } catch (e) {
      this.#sources.delete(source.key);
      throw e; // PortInUseError and friends are worded for the user; the command wrapper shows them
    }
    this.log.info(`serving ${source.label} on 127.0.0.1:${served.server.port}`); // never the connection string: it holds the password
    void this.#announce(served, 'is served');
    return served;
  }

  /** Stops serving the tree's database, the only one served, or the ones picked. */
  async stop(node?: TreeNodeArg): Promise<void> {
    const served = this.manager.served;
    if (node?.name) {
      const key = playgroundKey(node.name);
      if (!this.manager.get(key)) {
        void vscode.window.showInformationMessage(`${node.name === 'hub' ? 'The hub' : `Replica ${node.name}`} is not being served.`);
        return;
      }
      return this.#stop(key);
    }
    if (!served.length) {
      void vscode.window.showInformationMessage('No database is being served on localhost.');
      return;
    }
    const picks =
      served.length === 1
        ? served
        : (
            await vscode.window.showQuickPick(
              served.map((s) => ({ label: s.candidate.label, description: describe(s.server), picked: true, served: s })),
              { title: 'Stop serving', canPickMany: true },
            )
          )?.map((p) => p.served);
    await Promise.all((picks ?? []).map((s) => this.#stop(s.candidate.key)));
  }

  /** Shows the connection string of a served database with the copy buttons. */
  async showConnection(node?: TreeNodeArg): Promise<void> {
    const served = this.manager.served;
    let chosen = node?.name ? this.manager.get(playgroundKey(node.name)) : served.length === 1 ? served[0] : undefined;
    if (!chosen && !node?.name && served.length > 1) {
      chosen = (
        await vscode.window.showQuickPick(
          served.map((s) => ({ label: s.candidate.label, description: describe(s.server), served: s })),
          { title: 'Connection string of' },
        )
      )?.served;
      if (!chosen) return;
    }
    if (!chosen) {
      const what = node?.name ? `${node.name === 'hub' ? 'The hub' : `Replica ${node.name}`} is not being served.` : 'Nothing is being served on localhost.';
      const pick = await vscode.window.showInformationMessage(what, 'Serve on Localhost…');
      if (pick) await this.serve(node);
      return;
    }
    await this.#announce(chosen, 'is served');
  }

  async #start(candidate: ServeCandidate, port: number): Promise<ServedHandle> {
    const source = this.#sources.get(candidate.key);
    if (!source) throw new Error(`${candidate.label} is no longer available.`);
    const db = await source.open();
    const [{ protocolTargetFor }, { WireServer }] = await Promise.all([
      import('../../db/serve/protocolTarget.js'),
      import('../../db/serve/wireServer.js'),
    ]);
    if (!protocolTargetFor(db)) throw new Error(`${candidate.label} is a PostgreSQL server already: connect your app to it directly.`);
    this.#databases.set(candidate.key, db);
    const config = vscode.workspace.getConfiguration('syncPlayground');
    return WireServer.start(this.#followingTarget(candidate, (d) => protocolTargetFor(d)), {
      port,
      lockWaitSeconds: config.get<number>('serve.lockWaitSeconds', 30),
      idleInTransactionSeconds: config.get<number>('serve.idleInTransactionSeconds', 0),
    });
  }

  /**
   * The target of a served key: each client turn looks the key's database up again, so a server outlives a reset
   * of the playground (same port and password) and never reaches a database that was closed.
   */
  #followingTarget(candidate: ServeCandidate, targetFor: (db: SqlPort) => ProtocolTarget | undefined): ProtocolTarget {
    let current: { db: SqlPort; target: ProtocolTarget; source: ServeSource } | undefined;
    const resolve = async () => {
      const source = this.sources.list().find((s) => s.key === candidate.key);
      if (!source) {
        throw new DatabaseUnavailableError(
          `terminating connection: the playground has no ${candidate.label} right now (it is being re-created, or was closed); connect again in a moment`,
          '57P03',
        );
      }
      const db = await source.open();
      if (current?.db !== db) {
        const target = targetFor(db);
        if (!target) throw new DatabaseUnavailableError(`terminating connection: ${candidate.label} moved to a PostgreSQL server; connect to it directly`, '57P01');
        current = { db, target, source };
      }
      return current;
    };
    return {
      exclusive: async (fn) => (await resolve()).target.exclusive(fn),
      isClosing: () => current?.target.isClosing?.() ?? false,
      beforeTurn: async () => {
        const c = await resolve();
        await c.source.beforeTurn?.();
      },
    };
  }

  /**
   * The playground changed: a served database that was re-created keeps its server (its clients are told to
   * connect again: their session was on the old database); one the playground no longer has stops, with a message.
   * While the playground is closed (being re-created), servers wait; if it does not come back, they stop.
   */
  async #follow(open: boolean): Promise<void> {
    for (const s of this.manager.served) {
      const key = s.candidate.key;
      if (!this.sources.isPlaygroundKey(key)) continue;
      const source = this.sources.list().find((x) => x.key === key);
      if (!source) {
        if (open) {
          await this.#stop(key);
          void vscode.window.showInformationMessage(`Stopped serving ${s.candidate.label} on 127.0.0.1:${s.server.port}: the playground no longer has it.`);
        } else if (!this.#waiting.has(key)) {
          this.#waiting.set(key, setTimeout(() => void this.#stopClosed(key), REOPEN_GRACE_MS));
          await s.server.disconnectClients('terminating connection: the playground closed this database (it is being re-created, or was closed); connect again in a moment');
        }
        continue;
      }
      clearTimeout(this.#waiting.get(key));
      this.#waiting.delete(key);
      const db = await source.open();
      if (db === this.#databases.get(key)) continue;
      const { protocolTargetFor } = await import('../../db/serve/protocolTarget.js');
      if (!protocolTargetFor(db)) {
        // the hub moved onto a PostgreSQL server: the app connects to that server itself
        await this.#stop(key);
        void vscode.window.showInformationMessage(`Stopped serving ${s.candidate.label} on 127.0.0.1:${s.server.port}: it is on a PostgreSQL server now; connect your app to that server.`);
        continue;
      }
      this.#databases.set(key, db);
      await s.server.disconnectClients('terminating connection: the playground re-created this database; connect again');
      this.log.info(`${s.candidate.label} was re-created; still served on 127.0.0.1:${s.server.port}`);
    }
  }

  async #stopClosed(key: string): Promise<void> {
    this.#waiting.delete(key);
    const s = this.manager.get(key);
    if (!s || this.sources.list().some((x) => x.key === key)) return;
    await this.#stop(key);
    void vscode.window.showInformationMessage(`Stopped serving ${s.candidate.label} on 127.0.0.1:${s.server.port}: the replication playground closed.`);
  }

  /** Some committed writes could not be recorded: an exported scenario would miss them. Said once per reason. */
  #sayUnrecorded(key: string, reasons: readonly string[]): void {
    const label = this.manager.get(key)?.candidate.label ?? key;
    for (const reason of reasons) {
      this.log.warn(`a write over localhost on ${label} is not in the playground's recording: ${reason}`);
      if (this.#unrecordedShown.has(`${key}\0${reason}`)) continue;
      this.#unrecordedShown.add(`${key}\0${reason}`);
      void vscode.window.showWarningMessage(`A write over localhost on ${label} is in the database but not in Export Scenario: ${reason}.`);
    }
  }

  async #stop(key: string): Promise<void> {
    const s = this.manager.get(key);
    clearTimeout(this.#waiting.get(key));
    this.#waiting.delete(key);
    await this.manager.stop(key);
    this.#sources.delete(key);
    this.#databases.delete(key);
    if (s) this.log.info(`stopped serving ${s.candidate.label} (port ${s.server.port})`);
  }

  async #pickSource(node?: TreeNodeArg): Promise<ServeSource | undefined> {
    const sources = this.sources.list();
    if (node?.name) {
      const found = sources.find((s) => s.key === playgroundKey(node.name!));
      if (!found) throw new Error(`"${node.name}" is not in the open playground any more.`);
      return found;
    }
    if (!sources.length) throw new Error('There is no database to serve yet: create a playground or run SQL in the SQL playground first.');
    const pick = await vscode.window.showQuickPick(
      sources.map((s) => {
        const served = this.manager.get(s.key);
        return { label: s.label, description: served ? `serving · ${describe(served.server)}` : s.description ?? '', source: s };
      }),
      { title: 'Serve on localhost (127.0.0.1)', placeHolder: 'Which database should your app connect to?' },
    );
    return pick?.source;
  }

  async #announce(s: ServedDatabase, what: string): Promise<void> {
    const url = s.server.connectionString;
    const pick = await vscode.window.showInformationMessage(
      `${s.candidate.label} ${what} on 127.0.0.1:${s.server.port} (user postgres, database postgres; the password is new each time you serve).`,
      COPY_URL,
      COPY_ENV,
    );
    if (pick === COPY_URL) await vscode.env.clipboard.writeText(url);
    if (pick === COPY_ENV) await vscode.env.clipboard.writeText(databaseUrlLine(url));
  }

  #renderStatus(): void {
    const served = this.manager.served;
    if (!served.length) return this.#status.hide();
    this.#status.text =
      served.length === 1 ? `$(radio-tower) ${served[0]!.candidate.label} on :${served[0]!.server.port}` : `$(radio-tower) Serving ${served.length}`;
    this.#status.tooltip = new vscode.MarkdownString(
      ['Served on 127.0.0.1 (click to copy a connection string):', ...served.map((s) => `- **${s.candidate.label}**: ${describe(s.server)}`)].join('\n'),
    );
    this.#status.show();
  }
}

function describe(server: ServedHandle): string {
  return `127.0.0.1:${server.port} · ${server.clientCount} client${server.clientCount === 1 ? '' : 's'}`;
}
