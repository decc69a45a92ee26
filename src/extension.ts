import * as vscode from 'vscode';
import { Log } from './vscode/log';
import { registerCommands, type CommandTable } from './vscode/commands';
import type { SqlPort } from './core/sql';
import { toQueryTarget } from './core/connections/connectionQueryTargets';
import { createConnectionsFeature, type ConnectionsFeature } from './vscode/connections/connectionsFeature';
import { ResultsPanels } from './vscode/results/resultsPanel';
import { QueryFeature, type QueryApi } from './vscode/query/queryFeature';
import { openPlaygroundDatabase } from './vscode/query/playgroundDatabase';
import { ReplicationFeature } from './vscode/replication/replicationFeature';
import { RemoteHubFeature } from './vscode/replication/remoteHubFeature';
import { connectionOptions } from './vscode/connections/profileBackends';
import { ServeFeature } from './vscode/serve/serveFeature';
import { extensionServeSources } from './vscode/serve/serveSources';
import { onWebviewTraffic } from './vscode/webview/webviewPanelHost';

/** What activate() returns: handles for the in-VS Code test suite. Not a public API. */
export interface ExtensionApi {
  readonly log: Log;
  /** A new in-memory PGlite database (from the template), opened inside the extension host. Caller closes it. */
  readonly openScratchDatabase: () => Promise<SqlPort>;
  /** The SQL results panel (open or not). */
  readonly results: ResultsPanels;
  /** The replication playground: store, tree, panels. */
  readonly replication: ReplicationFeature;
  /** The SQL playground: targets, the last run. */
  readonly query: QueryApi;
  /** Saved connections: profiles (settings + secret storage) and their pools. */
  readonly connections: ConnectionsFeature;
  /** Every webview message of every panel, both ways. */
  readonly onWebviewTraffic: typeof onWebviewTraffic;
  /** Where the extension writes files: its global storage and its log folder. */
  readonly files: { readonly globalStorage: string; readonly logs: string };
}

/**
 * The composition root: builds the services and registers the adapters. Nothing else lives here.
 * Activation is cheap: no database starts until a command needs one.
 */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = new Log();
  context.subscriptions.push(log);

  // saved PostgreSQL connections: profiles, the Connections view, the replication monitor (nothing connects yet)
  // (Select Top 1000 and Run SQL on Connection run through the SQL playground's runner, built just below)
  const connections = createConnectionsFeature(context, log, (target, sql) => query.runOn(toQueryTarget(target), sql));
  context.subscriptions.push(connections);

  // the SQL playground (runs, targets, history) and the results panel it fills (it is the panel's backend)
  const query = new QueryFeature({
    context,
    log,
    results: () => results,
    openPlayground: async () => {
      const db = await openPlaygroundDatabase(context.globalStorageUri.fsPath);
      replication.store.prewarm(); // PGlite is in use now: a playground made next should not wait for it
      return db;
    },
  });
  context.subscriptions.push(query);
  context.subscriptions.push(connections.useTargetRegistry(query.targets));
  const results = new ResultsPanels({ extensionUri: context.extensionUri, log, backend: query.backend });
  context.subscriptions.push(results);

  // the replication playground: tree, panels, commands (databases open on first use or when the view shows)
  const replication = new ReplicationFeature(context, log, { targets: query.targets, runOn: (t, sql) => query.runOn(t, sql) });
  context.subscriptions.push(replication);

  // the playground's hub on a saved connection's server instead of PGlite (Use Connection as Hub)
  const remoteHub = new RemoteHubFeature(context, log, replication, {
    store: connections.store,
    manager: connections.manager,
    driver: connections.driver,
    options: connectionOptions,
  });
  context.subscriptions.push(remoteHub);

  // serve a playground database on 127.0.0.1 for the user's own app (server code loads on first use)
  const serve = new ServeFeature(log, extensionServeSources(replication, query.targets));
  context.subscriptions.push(serve);

  const commands: CommandTable = {
    showLog: () => log.show(),
    showResults: () => void results.show(),
    ...connections.commands,
    ...query.commands,
    ...replication.commands,
    ...remoteHub.commands,
    ...serve.commands,
  };
  context.subscriptions.push(...registerCommands(commands, log));

  log.info(`activated (VS Code ${vscode.version}, ${process.platform}, Node ${process.version})`);
  // loaded on first use, so activation stays cheap
  const openScratchDatabase = async () => (await import('./db/template.js')).openPgliteFromTemplate();
  const files = { globalStorage: context.globalStorageUri.fsPath, logs: context.logUri.fsPath };
  return { log, openScratchDatabase, results, replication, query: query.api, connections, onWebviewTraffic, files };
}

export function deactivate(): void {
  // disposables registered on context.subscriptions are released by VS Code
}
