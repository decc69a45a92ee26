import * as vscode from 'vscode';
import type { ConnectionProfile } from '../../core/connections/profile';
import type { ProfileSettingsBackend } from '../../core/connections/profileStore';

/** The setting that holds connection profiles (never passwords: those are in SecretStorage). */
export const CONNECTIONS_SETTING = 'connections';

/**
 * Profiles in the `syncPlayground.connections` setting. Writes go where the value already lives (workspace or
 * user settings), so a workspace that defines connections keeps them in the workspace.
 */
export class ConfigurationProfileBackend implements ProfileSettingsBackend {
  read(): readonly unknown[] {
    const v = vscode.workspace.getConfiguration('syncPlayground').get<unknown>(CONNECTIONS_SETTING);
    return Array.isArray(v) ? v : [];
  }

  async write(profiles: readonly ConnectionProfile[]): Promise<void> {
    const config = vscode.workspace.getConfiguration('syncPlayground');
    const where = config.inspect(CONNECTIONS_SETTING);
    const target =
      where?.workspaceFolderValue !== undefined
        ? vscode.ConfigurationTarget.WorkspaceFolder
        : where?.workspaceValue !== undefined
          ? vscode.ConfigurationTarget.Workspace
          : vscode.ConfigurationTarget.Global;
    await config.update(CONNECTIONS_SETTING, profiles, target);
  }
}

/** Connection settings other than the profiles, read fresh each time (a change applies to the next connect). */
export function connectionOptions(): { connectTimeoutMs: number; statementTimeoutMs: number } {
  const c = vscode.workspace.getConfiguration('syncPlayground');
  return {
    connectTimeoutMs: Math.max(1, c.get<number>('connectTimeoutSeconds', 15)) * 1000,
    statementTimeoutMs: Math.max(0, c.get<number>('statementTimeoutSeconds', 0)) * 1000,
  };
}

/** Seconds between replication monitor refreshes while the view is visible; 0 = only on demand. */
export function monitorIntervalMs(): number {
  return Math.max(0, vscode.workspace.getConfiguration('syncPlayground').get<number>('replicationMonitor.refreshSeconds', 5)) * 1000;
}
