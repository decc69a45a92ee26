import * as vscode from 'vscode';
import { Log } from './vscode/log';
import { registerCommands, type CommandTable } from './vscode/commands';
import type { SqlPort } from './core/sql';
import { createConnectionsFeature } from './vscode/connections/connectionsFeature';
import { ResultsPanels } from './vscode/results/resultsPanel';
import { noQueryBackend } from './vscode/results/noQueryBackend';
import { ReplicationFeature } from './vscode/replication/replicationFeature';

/** What activate() returns: handles for the in-VS Code test suite. Not a public API. */
export interface ExtensionApi {
  readonly log: Log;
  /** A new in-memory PGlite database (from the template), opened inside the extension host. Caller closes it. */
  readonly openScratchDatabase: () => Promise<SqlPort>;
  /** The SQL results panel (open or not). */
  readonly results: ResultsPanels;
  /** The replication playground: store, tree, panels. */
  readonly replication: ReplicationFeature;
}

/**
 * The composition root: builds the services and registers the adapters. Nothing else lives here.
 * Activation is cheap: no database starts until a command needs one.
 */
export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const log = new Log();
  context.subscriptions.push(log);

  // saved PostgreSQL connections: profiles, the Connections view, the replication monitor (nothing connects yet)
  const connections = createConnectionsFeature(context, log);
  context.subscriptions.push(connections);

  // the SQL results panel; the SQL runner (src/vscode/query) supplies the real backend
  const results = new ResultsPanels({ extensionUri: context.extensionUri, log, backend: noQueryBackend });
  context.subscriptions.push(results);

  // the replication playground: tree, panels, commands (databases open on first use or when the view shows)
  const replication = new ReplicationFeature(context, log);
  context.subscriptions.push(replication);

  const commands: CommandTable = {
    showLog: () => log.show(),
    showResults: () => void results.show(),
    ...connections.commands,
    ...replication.commands,
  };
  context.subscriptions.push(...registerCommands(commands, log));

  log.info(`activated (VS Code ${vscode.version}, ${process.platform}, Node ${process.version})`);
  // loaded on first use, so activation stays cheap
  const openScratchDatabase = async () => (await import('./db/template.js')).openPgliteFromTemplate();
  return { log, openScratchDatabase, results, replication };
}

export function deactivate(): void {
  // disposables registered on context.subscriptions are released by VS Code
}
