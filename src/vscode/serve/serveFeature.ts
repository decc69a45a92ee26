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
import type { CommandTable } from '../commands';
import { CommandIds } from '../commandIds';
import type { Log } from '../log';
import { playgroundKey, type ServeSource, type ServeSources } from './serveSources';

/** A replication tree node, as VS Code passes it to a tree action. */
interface TreeNodeArg {
  readonly type?: string;
  readonly name?: string;
}

const COPY_URL = 'Copy Connection String';
const COPY_ENV = 'Copy DATABASE_URL';

export class ServeFeature extends Disposable implements vscode.Disposable {
  readonly manager: ServeManager;
  readonly #status: vscode.StatusBarItem;
  /** Sources of the databases being served, by key (to reach the database again). */
  readonly #sources = new Map<string, ServeSource>();

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
        void this.sources.databaseChanged(c.key).catch((e) => this.log.warn(`refreshing after a write over localhost failed: ${String(e)}`));
      }),
    );
    // the playground's databases close with it: stop serving them first, so clients get a clear goodbye
    this._register(
      sources.onDidChangePlayground(() => {
        for (const s of this.manager.served) {
          if (sources.isPlaygroundKey(s.candidate.key)) void this.#stop(s.candidate.key);
        }
      }),
    );
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
    const portText = await vscode.window.showInputBox({
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
    const found = protocolTargetFor(db);
    if (!found) throw new Error(`${candidate.label} is a PostgreSQL server already: connect your app to it directly.`);
    const target = source.beforeTurn ? { ...found, beforeTurn: () => source.beforeTurn!() } : found;
    const config = vscode.workspace.getConfiguration('syncPlayground');
    return WireServer.start(target, {
      port,
      lockWaitSeconds: config.get<number>('serve.lockWaitSeconds', 30),
      idleInTransactionSeconds: config.get<number>('serve.idleInTransactionSeconds', 0),
    });
  }

  async #stop(key: string): Promise<void> {
    const s = this.manager.get(key);
    await this.manager.stop(key);
    this.#sources.delete(key);
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
