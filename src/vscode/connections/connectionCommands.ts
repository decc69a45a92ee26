import * as vscode from 'vscode';
import { ConnectError } from '../../core/connections/connectError';
import type { ConnectionDriver } from '../../core/connections/connectionDriver';
import type { ConnectionManager } from '../../core/connections/connectionManager';
import { connectionTarget, type ConnectionTarget } from '../../core/connections/connectionTargets';
import { describeTarget, type ConnectionProfile } from '../../core/connections/profile';
import type { ProfileStore } from '../../core/connections/profileStore';
import { selectTopSql } from '../../db/connections/catalogQueries';
import { CommandIds } from '../commandIds';
import type { CommandTable } from '../commands';
import type { Log } from '../log';
import type { ConnectionNode, ConnectionsTree } from './connectionsTree';
import { connectionOptions } from './profileBackends';
import { profileForm } from './profileForm';

/**
 * Runs SQL on a saved connection through the SQL runner and its results panel. Supplied by the runner's
 * adapter when it is wired in (extension.ts); without it, SQL opens in an editor for the user to run.
 */
export type RunOnTarget = (target: ConnectionTarget, sql: string) => Promise<void>;

/** The profile a command was invoked on: a tree node, a profile id, or asked for. */
async function pickProfile(store: ProfileStore, arg: unknown, placeHolder: string): Promise<ConnectionProfile | undefined> {
  const node = arg as ConnectionNode | string | undefined;
  if (typeof node === 'string') return store.get(node);
  if (node && typeof node === 'object') {
    if (node.type === 'connection') return node.profile;
    if ('profileId' in node) return store.get(node.profileId);
  }
  const profiles = store.list().profiles;
  if (!profiles.length) {
    void vscode.window.showInformationMessage('No saved connections yet.', 'Add Connection').then((p) => p && vscode.commands.executeCommand(CommandIds.addConnection));
    return undefined;
  }
  const pick = await vscode.window.showQuickPick(
    profiles.map((p) => ({ label: p.name, description: describeTarget(p), profile: p })),
    { placeHolder },
  );
  return pick?.profile;
}

/** The Connections feature's commands. Thin: each gathers input and calls the store, manager or driver. */
export function connectionCommands(deps: {
  store: ProfileStore;
  manager: ConnectionManager;
  driver: ConnectionDriver;
  tree: ConnectionsTree;
  log: Log;
  runOnTarget?: RunOnTarget;
}): CommandTable {
  const { store, manager, driver, tree, log } = deps;

  const runOrOpen = async (target: ConnectionTarget, sql: string) => {
    if (deps.runOnTarget) return deps.runOnTarget(target, sql);
    // no SQL runner wired in (it is, in the extension): show the SQL for the user to run elsewhere
    const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: `-- ${target.label} (${target.detail})\n${sql}\n` });
    await vscode.window.showTextDocument(doc);
  };

  const testConnection = async (profile: ConnectionProfile) => {
    const password = await store.password(profile.id);
    try {
      const check = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Testing ${profile.name}…`, cancellable: true },
        (_p, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort());
          return driver.test(profile, password, connectionOptions(), ac.signal);
        },
      );
      const msg = `${profile.name}: connected to ${check.serverVersion} as ${describeTarget(profile)}${check.ssl ? ', SSL on' : ''}${check.readOnly ? ', read-only' : ''}.`;
      log.info(msg);
      void vscode.window.showInformationMessage(msg);
    } catch (e) {
      if (!ConnectError.is(e)) throw e;
      log.warn(`test connection ${profile.name}: ${e.kind}: ${e.message}`);
      if (e.kind === 'cancelled') return;
      const action = await vscode.window.showErrorMessage(e.message, e.kind === 'auth' ? 'Set Password' : 'Edit Connection');
      if (action === 'Set Password') await vscode.commands.executeCommand(CommandIds.setConnectionPassword, profile.id);
      else if (action) await vscode.commands.executeCommand(CommandIds.editConnection, profile.id);
    }
  };

  return {
    addConnection: async () => {
      const moved = await store.moveStrayPasswords();
      if (moved.length) void vscode.window.showWarningMessage(`Moved passwords of ${moved.join(', ')} from settings to secret storage.`);
      const r = await profileForm();
      if (!r) return;
      const profile = await store.add(r.draft, r.password ?? undefined);
      log.info(`connection added: ${profile.name} (${describeTarget(profile)})`);
      const pick = await vscode.window.showInformationMessage(`Saved connection "${profile.name}".`, 'Test Connection');
      if (pick) await testConnection(profile);
    },
    editConnection: async (arg?: unknown) => {
      const profile = await pickProfile(store, arg, 'Connection to edit');
      if (!profile) return;
      const r = await profileForm(profile, (await store.password(profile.id)) !== undefined);
      if (!r) return;
      await store.update(profile.id, r.draft, r.password);
      log.info(`connection edited: ${r.draft.name} (${describeTarget(r.draft)})`);
    },
    removeConnection: async (arg?: unknown) => {
      const profile = await pickProfile(store, arg, 'Connection to remove');
      if (!profile) return;
      const ok = await vscode.window.showWarningMessage(`Remove connection "${profile.name}" and its saved password?`, { modal: true }, 'Remove');
      if (ok !== 'Remove') return;
      manager.disconnect(profile.id);
      await store.remove(profile.id);
      log.info(`connection removed: ${profile.name}`);
    },
    testConnection: async (arg?: unknown) => {
      const profile = await pickProfile(store, arg, 'Connection to test');
      if (profile) await testConnection(profile);
    },
    setConnectionPassword: async (arg?: unknown) => {
      const profile = await pickProfile(store, arg, 'Connection');
      if (!profile) return;
      const pw = await vscode.window.showInputBox({
        title: `Password for ${describeTarget(profile)}`,
        prompt: 'Kept in VS Code secret storage. Leave empty to forget the saved password.',
        password: true,
        ignoreFocusOut: true,
      });
      if (pw === undefined) return;
      await store.setPassword(profile.id, pw || undefined);
      manager.disconnect(profile.id); // reconnect with the new password
      tree.refresh();
    },
    refreshConnections: () => {
      manager.closeAll(); // a refresh also reconnects: the quickest cure for a pool that went stale
      tree.refresh();
    },
    refreshReplicationMonitor: async (arg?: unknown) => {
      const profile = await pickProfile(store, arg, 'Connection');
      if (profile) await tree.refreshMonitor(profile.id);
    },
    selectTop1000: async (arg?: unknown) => {
      const node = arg as ConnectionNode | undefined;
      if (node?.type !== 'relation') {
        void vscode.window.showInformationMessage('Pick a table or view in the Connections view, then choose Select Top 1000.');
        return;
      }
      const target = connectionTarget(store, manager, node.profileId, node.database);
      if (target) await runOrOpen(target, `${selectTopSql(node.relation.schema, node.relation.name)};`);
    },
    runSqlOnConnection: async (arg?: unknown) => {
      const profile = await pickProfile(store, arg, 'Run SQL on which connection?');
      if (!profile) return;
      const node = arg as ConnectionNode | undefined;
      const database = node && typeof node === 'object' && 'database' in node ? node.database : undefined;
      const target = connectionTarget(store, manager, profile.id, database)!;
      const editor = vscode.window.activeTextEditor;
      const sql = editor ? editor.document.getText(editor.selection.isEmpty ? undefined : editor.selection) : '';
      await runOrOpen(target, sql.trim() || 'SELECT current_user, current_database(), version();');
    },
  };
}
