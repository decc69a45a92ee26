import * as vscode from 'vscode';
import { describeTarget, type ConnectionProfile } from '../../core/connections/profile';
import { Disposable } from '../../core/dispose';
import { DEFAULT_HUB_DATABASE } from '../../core/playground/remoteHub';
import { hubLabel, hubProfile, remoteHubSource, removeRemoteHub, type RemoteHubDeps, type RemoteHubLocation } from '../../core/playground/remoteHubSource';
import { CommandIds } from '../commandIds';
import type { CommandTable } from '../commands';
import type { ConnectionNode } from '../connections/connectionsTree';
import type { Log } from '../log';
import type { ReplicationFeature } from './replicationFeature';

/** Where the hub is, across restarts (the playground itself is per VS Code profile, so is this). */
const STATE_KEY = 'syncPlayground.remoteHub';

/**
 * "Use Connection as Hub" and "Remove Playground from Server": puts the playground's hub on a saved connection's
 * server (in a database of its own, see src/core/playground/remoteHub.ts) and takes it off again. Shows where the
 * hub is in the replication tree and the status bar.
 */
export class RemoteHubFeature extends Disposable {
  readonly #status = vscode.window.createStatusBarItem('syncPlayground.hubLocation', vscode.StatusBarAlignment.Left, 49);

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
    private readonly replication: ReplicationFeature,
    private readonly deps: RemoteHubDeps,
  ) {
    super();
    this.#status.name = 'Sync Playground hub';
    this.#status.command = CommandIds.useConnectionAsHub;
    this._register({ dispose: () => this.#status.dispose() });
    this._register(deps.store.onDidChange(() => this.#show()));
    this._register(replication.store.onDidChangeSession(() => this.#show()));
    this.#apply(this.location);
  }

  /** The hub's location when it is on a server. */
  get location(): RemoteHubLocation | undefined {
    return this.context.globalState.get<RemoteHubLocation>(STATE_KEY);
  }

  readonly commands: CommandTable = {
    useConnectionAsHub: (arg?: unknown) => this.#useConnection(arg),
    removePlaygroundFromServer: (arg?: unknown) => this.#remove(arg),
  };

  async #useConnection(arg: unknown): Promise<void> {
    const profile = await this.#pickProfile(arg, 'Which server holds the playground hub?');
    if (!profile) return;
    if (profile.readOnly) throw new Error(`Connection "${profile.name}" is read-only, so it cannot hold the hub. Edit it to allow writes, or pick another.`);
    const database = await this.#askDatabase(profile);
    if (!database) return;
    const at: RemoteHubLocation = { profileId: profile.id, database };
    const session = this.replication.store.session;
    const server = describeTarget(profile).replace(/\/[^/]*$/, '');
    const ok = await vscode.window.showInformationMessage(
      `Put the playground's hub on ${server}, in database "${database}"?`,
      {
        modal: true,
        detail:
          `Sync Playground creates database "${database}" (or reuses it if Sync Playground created it before) and installs the hub there: ` +
          `the playground's tables and the _sync schema. Nothing else on the server is touched. ` +
          (session ? `The current playground "${session.name}" is rebuilt on the new hub from its recording.` : 'The next playground you create uses it.'),
      },
      'Use as Hub',
    );
    if (ok !== 'Use as Hub') return;
    const previous = this.location;
    await this.#setLocation(at);
    if (!session) {
      void vscode.window.showInformationMessage(`The hub of the next playground will be on ${hubLabel(profile, at)}.`);
      return;
    }
    const recording = session.recording();
    try {
      await this.#progress(`Moving the hub to ${server}`, () => this.replication.store.replay(recording));
      this.log.info(`playground hub on ${hubLabel(profile, at)}`);
    } catch (e) {
      // back to where it was, with the playground rebuilt there, so a failed move loses nothing
      await this.#setLocation(previous);
      await this.replication.store.replay(recording).catch((again) => this.log.error('re-opening the playground on its previous hub failed', again));
      throw e;
    }
  }

  async #remove(arg: unknown): Promise<void> {
    let at = this.location;
    const nodeProfile = this.#profileOf(arg);
    if (!at || (nodeProfile && nodeProfile.id !== at.profileId)) {
      // a hub left on a server by an earlier playground: name it
      const profile = nodeProfile ?? (await this.#pickProfile(undefined, 'Remove the playground from which server?'));
      if (!profile) return;
      const database = await this.#askDatabase(profile);
      if (!database) return;
      at = { profileId: profile.id, database };
    }
    const profile = this.deps.store.get(at.profileId);
    if (!profile) throw new Error('The saved connection of the hub was removed; add it again to remove the hub database.');
    const server = describeTarget(profile).replace(/\/[^/]*$/, '');
    const current = this.location?.profileId === at.profileId && this.location.database === at.database;
    const session = this.replication.store.session;
    const ok = await vscode.window.showWarningMessage(
      `Remove the playground from ${server}?`,
      {
        modal: true,
        detail:
          `This drops database "${at.database}" on ${server} (${profile.name}): the hub's tables and its _sync schema. ` +
          'Nothing else on the server changes; Sync Playground only drops a database it created. ' +
          (current && session ? `The playground "${session.name}" continues with its hub on PGlite, rebuilt from its recording.` : ''),
      },
      'Remove',
    );
    if (ok !== 'Remove') return;
    if (current) {
      await this.#setLocation(undefined);
      if (session) {
        const recording = session.recording();
        await this.#progress('Moving the hub back to PGlite', () => this.replication.store.replay(recording)).catch(async (e) => {
          this.log.error('rebuilding the playground on PGlite failed', e);
          await this.replication.store.close();
        });
      }
    }
    const target = at;
    const dropped = await this.#progress(`Removing the playground from ${server}`, () => removeRemoteHub(this.deps, target));
    this.log.info(`playground hub database ${target.database} on ${server}: ${dropped ? 'dropped' : 'was not there'}`);
    void vscode.window.showInformationMessage(dropped ? `Dropped database "${target.database}" on ${server}.` : `There was no database "${target.database}" on ${server}; nothing to remove.`);
  }

  async #setLocation(at: RemoteHubLocation | undefined): Promise<void> {
    await this.context.globalState.update(STATE_KEY, at);
    this.#apply(at);
  }

  #apply(at: RemoteHubLocation | undefined): void {
    this.replication.store.remoteHub = at ? remoteHubSource(this.deps, at) : undefined;
    this.#show();
  }

  #show(): void {
    const at = this.location;
    const profile = at && this.deps.store.get(at.profileId);
    let label: string | undefined;
    if (at) {
      try {
        label = hubLabel(hubProfile(this.deps.store, at), at);
      } catch (e) {
        label = `${at.database} (${(e as Error).message})`;
      }
    }
    // menus: "Remove Playground from Server" on the hub node only when the hub is on a server
    void vscode.commands.executeCommand('setContext', 'syncPlayground.hubOnServer', label !== undefined);
    this.replication.tree.hubLocation = label;
    this.replication.tree.show(this.replication.tree.snapshot);
    if (!label) return this.#status.hide();
    this.#status.text = `$(server) hub: ${profile?.name ?? at!.database}`;
    this.#status.tooltip = `The playground's hub is on PostgreSQL: ${label}. Click to choose another server.`;
    this.#status.show();
  }

  #profileOf(arg: unknown): ConnectionProfile | undefined {
    const node = arg as ConnectionNode | string | undefined;
    if (typeof node === 'string') return this.deps.store.get(node);
    if (node && typeof node === 'object' && node.type === 'connection') return node.profile;
    return undefined;
  }

  async #pickProfile(arg: unknown, placeHolder: string): Promise<ConnectionProfile | undefined> {
    const given = this.#profileOf(arg);
    if (given) return given;
    const profiles = this.deps.store.list().profiles;
    if (!profiles.length) {
      const add = await vscode.window.showInformationMessage('Add a connection to a PostgreSQL server first.', 'Add Connection');
      if (add) await vscode.commands.executeCommand(CommandIds.addConnection);
      return undefined;
    }
    const pick = await vscode.window.showQuickPick(
      profiles.map((p) => ({ label: p.name, description: `${describeTarget(p)}${p.readOnly ? ' · read-only' : ''}`, profile: p })),
      { placeHolder },
    );
    return pick?.profile;
  }

  #askDatabase(profile: ConnectionProfile): Thenable<string | undefined> {
    const current = this.location;
    return vscode.window.showInputBox({
      title: `Hub database on ${describeTarget(profile).replace(/\/[^/]*$/, '')}`,
      prompt: 'A database of its own for the hub: Sync Playground creates it, and drops only it on removal.',
      value: current?.profileId === profile.id ? current.database : DEFAULT_HUB_DATABASE,
      ignoreFocusOut: true,
      validateInput: (v) =>
        !v.trim() ? 'Name a database.' : Buffer.byteLength(v) > 63 ? 'At most 63 bytes.' : v === profile.database ? "Not the connection's own database: the hub needs one of its own." : undefined,
    });
  }

  async #progress<T>(title: string, work: () => Promise<T>): Promise<T> {
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title }, work);
  }
}
