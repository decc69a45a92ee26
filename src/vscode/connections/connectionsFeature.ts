import * as vscode from 'vscode';
import type { ConnectionDriver } from '../../core/connections/connectionDriver';
import { ConnectionManager } from '../../core/connections/connectionManager';
import { ConnectionQueryTargets } from '../../core/connections/connectionQueryTargets';
import { connectionTargets, type ConnectionTarget } from '../../core/connections/connectionTargets';
import type { TargetRegistry } from '../../core/query/targetRegistry';
import { ProfileStore } from '../../core/connections/profileStore';
import { PgConnectionDriver } from '../../db/connections/pgConnectionDriver';
import type { CommandTable } from '../commands';
import type { Log } from '../log';
import { connectionCommands, type RunOnTarget } from './connectionCommands';
import { ConnectionsTree } from './connectionsTree';
import { ConfigurationProfileBackend, connectionOptions } from './profileBackends';

/** The view id of the Connections section in the Sync Playground sidebar. */
export const CONNECTIONS_VIEW = 'syncPlayground.connections';

/** What the composition root gets back: the commands to register, and targets for the SQL runner. */
export interface ConnectionsFeature extends vscode.Disposable {
  readonly commands: CommandTable;
  readonly store: ProfileStore;
  readonly manager: ConnectionManager;
  readonly driver: ConnectionDriver;
  /** Every saved connection as a SQL runner target (read it again after `store.onDidChange`). */
  targets(): ConnectionTarget[];
  /**
   * Registers every saved connection in the SQL runner's targets and keeps them in step with profile changes;
   * databases other than a profile's own are added when used. Dispose to remove them all.
   */
  useTargetRegistry(registry: TargetRegistry): vscode.Disposable;
}

/**
 * Builds the Connections feature: profiles over settings + SecretStorage, pooled connections over `pg`, the
 * sidebar view. Nothing connects until the user expands a connection or runs a command.
 */
export function createConnectionsFeature(context: vscode.ExtensionContext, log: Log, runOnTarget?: RunOnTarget): ConnectionsFeature {
  const store = new ProfileStore(new ConfigurationProfileBackend(), context.secrets);
  const driver = new PgConnectionDriver();
  const manager = new ConnectionManager(store, driver, connectionOptions);
  const tree = new ConnectionsTree(store, manager, log);
  // the store only hears its own writes: settings.json edited by hand closes the pools of changed profiles too
  const settingsEdited = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('syncPlayground.connections') && manager.closeStale());
  const view = vscode.window.createTreeView(CONNECTIONS_VIEW, { treeDataProvider: tree, showCollapseAll: true });
  const visibility = view.onDidChangeVisibility((e) => tree.setVisible(e.visible));
  tree.setVisible(view.visible);
  let registered: ConnectionQueryTargets | undefined;
  // a database used from the tree becomes a target of its own, so history re-runs and `-- target:` pins find it
  const run: RunOnTarget | undefined = runOnTarget && ((t, sql) => runOnTarget(registered?.ensure(t.profileId, t.database) ?? t, sql));
  const commands = connectionCommands({ store, manager, driver, tree, log, ...(run ? { runOnTarget: run } : {}) });
  return {
    commands,
    store,
    manager,
    driver,
    targets: () => connectionTargets(store, manager),
    useTargetRegistry: (registry) => {
      const r = (registered = new ConnectionQueryTargets(store, manager, registry));
      // the store only hears its own writes; settings.json edited by hand (or by another window) comes this way
      const config = vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('syncPlayground.connections') && r.refresh());
      return new vscode.Disposable(() => {
        config.dispose();
        if (registered === r) registered = undefined;
        r.dispose();
      });
    },
    dispose: () => {
      settingsEdited.dispose();
      registered?.dispose();
      visibility.dispose();
      view.dispose();
      tree.dispose();
      manager.dispose();
    },
  };
}
