import * as vscode from 'vscode';
import type { ColumnInfo, FunctionInfo, RelationInfo } from '../../core/connections/catalogModel';
import { isTableLike } from '../../core/connections/catalogModel';
import { ConnectError } from '../../core/connections/connectError';
import type { Connection, ConnectionManager } from '../../core/connections/connectionManager';
import { MonitorPoller } from '../../core/connections/monitorPoller';
import { describeTarget, type ConnectionProfile } from '../../core/connections/profile';
import type { ProfileStore } from '../../core/connections/profileStore';
import type { ReplicationSnapshot } from '../../core/connections/replicationModel';
import { listColumns, listDatabases, listFunctions, listRelations, listSchemas } from '../../db/connections/catalogQueries';
import { readReplication } from '../../db/connections/replicationQueries';
import { CommandIds } from '../commandIds';
import type { Log } from '../log';
import { monitorIntervalMs } from './profileBackends';
import { replicationLines, type MonitorLine } from './replicationItems';

/** A node of the Connections view. `contextValue` of each kind drives the menus in package.json. */
export type ConnectionNode =
  | { readonly type: 'connection'; readonly profile: ConnectionProfile }
  | { readonly type: 'database'; readonly profileId: string; readonly database: string; readonly canConnect: boolean }
  | { readonly type: 'schema'; readonly profileId: string; readonly database: string; readonly schema: string }
  | { readonly type: 'folder'; readonly profileId: string; readonly database: string; readonly schema: string; readonly folder: 'tables' | 'views' | 'functions' }
  | { readonly type: 'relation'; readonly profileId: string; readonly database: string; readonly relation: RelationInfo }
  | { readonly type: 'column'; readonly column: ColumnInfo }
  | { readonly type: 'function'; readonly fn: FunctionInfo }
  | { readonly type: 'replication'; readonly profileId: string }
  | { readonly type: 'monitorLine'; readonly line: MonitorLine }
  | { readonly type: 'message'; readonly text: string; readonly icon: string; readonly tooltip?: string; readonly command?: vscode.Command };

/**
 * The Connections view: saved servers with their databases, schemas, tables, views, functions and a
 * replication monitor. Connecting happens on expand, with a cancellable progress notification; errors become
 * nodes that say what failed instead of failing the view.
 */
export class ConnectionsTree implements vscode.TreeDataProvider<ConnectionNode>, vscode.Disposable {
  readonly #changed = new vscode.EventEmitter<ConnectionNode | undefined>();
  readonly onDidChangeTreeData = this.#changed.event;
  /** Stable replication nodes (the tree refreshes them by identity) and their pollers, per profile. */
  readonly #monitors = new Map<string, { node: ConnectionNode; poller: MonitorPoller<ReplicationSnapshot> }>();
  #visible = false;
  readonly #subs: vscode.Disposable[] = [];

  constructor(
    private readonly store: ProfileStore,
    private readonly manager: ConnectionManager,
    private readonly log: Log,
  ) {
    this.#subs.push(
      this.#changed,
      store.onDidChange(() => this.refresh()),
      manager.onDidLoseConnection((l) => {
        this.log.warn(l.error.message);
        void vscode.window.showWarningMessage(`${l.profile.name}: ${l.error.message}`);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('syncPlayground.connections')) this.refresh();
        if (e.affectsConfiguration('syncPlayground.replicationMonitor')) for (const m of this.#monitors.values()) m.poller.setInterval(monitorIntervalMs());
      }),
    );
  }

  /** Tells the monitors whether anyone can see them (they poll only while visible). */
  setVisible(visible: boolean): void {
    this.#visible = visible;
    for (const m of this.#monitors.values()) m.poller.setVisible(visible);
  }

  /** Re-reads everything: profiles, catalogs and monitors. */
  refresh(): void {
    for (const m of this.#monitors.values()) m.poller.dispose();
    this.#monitors.clear();
    this.#changed.fire(undefined);
  }

  /** Re-reads one profile's replication monitor now. */
  async refreshMonitor(profileId: string): Promise<void> {
    await this.#monitors.get(profileId)?.poller.refresh();
  }

  getTreeItem(n: ConnectionNode): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    const item = (label: string, state: vscode.TreeItemCollapsibleState, icon: string, context?: string) => {
      const t = new vscode.TreeItem(label, state);
      t.iconPath = new vscode.ThemeIcon(icon);
      if (context) t.contextValue = context;
      return t;
    };
    switch (n.type) {
      case 'connection': {
        const t = item(n.profile.name, C.Collapsed, n.profile.readOnly ? 'lock' : 'database', 'connection');
        t.id = `conn:${n.profile.id}`;
        t.description = `${describeTarget(n.profile)}${n.profile.readOnly ? ' · read-only' : ''}`;
        t.tooltip = `${describeTarget(n.profile)}\nSSL ${n.profile.sslMode}${n.profile.readOnly ? '\nRead-only: the server rejects writes' : ''}`;
        return t;
      }
      case 'database': {
        const t = item(n.database, n.canConnect ? C.Collapsed : C.None, 'database', 'connectionDatabase');
        t.id = `db:${n.profileId}:${n.database}`;
        if (!n.canConnect) t.description = 'no CONNECT privilege';
        return t;
      }
      case 'schema':
        return Object.assign(item(n.schema, C.Collapsed, 'symbol-namespace', 'connectionSchema'), { id: `s:${n.profileId}:${n.database}:${n.schema}` });
      case 'folder': {
        const label = { tables: 'Tables', views: 'Views', functions: 'Functions' }[n.folder];
        const icon = { tables: 'table', views: 'eye', functions: 'symbol-function' }[n.folder];
        return Object.assign(item(label, C.Collapsed, icon), { id: `f:${n.profileId}:${n.database}:${n.schema}:${n.folder}` });
      }
      case 'relation': {
        const r = n.relation;
        const t = item(r.name, C.Collapsed, isTableLike(r.kind) ? 'table' : 'eye', 'connectionRelation');
        t.id = `r:${n.profileId}:${n.database}:${r.schema}.${r.name}`;
        if (r.kind !== 'table' && r.kind !== 'view') t.description = r.kind;
        return t;
      }
      case 'column': {
        const c = n.column;
        const t = item(c.name, C.None, c.primaryKey ? 'key' : 'symbol-field');
        t.description = `${c.type}${c.nullable ? '' : ' not null'}`;
        if (c.default) t.tooltip = `default ${c.default}`;
        return t;
      }
      case 'function': {
        const t = item(`${n.fn.name}(${n.fn.args})`, C.None, n.fn.kind === 'procedure' ? 'symbol-method' : 'symbol-function');
        t.description = n.fn.result ? `→ ${n.fn.result}` : n.fn.kind;
        return t;
      }
      case 'replication': {
        const t = item('Replication', C.Collapsed, 'radio-tower', 'connectionReplication');
        t.id = `repl:${n.profileId}`;
        t.tooltip = 'Publications, subscriptions, slots and streaming lag of this server. Refreshes while visible.';
        return t;
      }
      case 'monitorLine': {
        const t = item(n.line.label, n.line.children?.length ? C.Collapsed : C.None, n.line.icon);
        if (n.line.description) t.description = n.line.description;
        if (n.line.tooltip) t.tooltip = n.line.tooltip;
        return t;
      }
      case 'message': {
        const t = item(n.text, C.None, n.icon);
        t.tooltip = n.tooltip ?? n.text;
        if (n.command) t.command = n.command;
        return t;
      }
    }
  }

  async getChildren(n?: ConnectionNode): Promise<ConnectionNode[]> {
    try {
      return await this.#children(n);
    } catch (e) {
      return [this.#errorNode(e, n)];
    }
  }

  async #children(n?: ConnectionNode): Promise<ConnectionNode[]> {
    if (!n) {
      const { profiles, problems } = this.store.list();
      return [
        ...profiles.map((profile): ConnectionNode => ({ type: 'connection', profile })),
        ...problems.map((p): ConnectionNode => ({ type: 'message', text: p.message, icon: 'warning', command: { command: 'workbench.action.openSettingsJson', title: 'Open settings' } })),
      ];
    }
    switch (n.type) {
      case 'connection': {
        const c = await this.connect(n.profile.id);
        const dbs = await listDatabases(c.open.port);
        return [
          ...dbs.map((d): ConnectionNode => ({ type: 'database', profileId: n.profile.id, database: d.name, canConnect: d.canConnect })),
          this.#replicationNode(n.profile.id),
        ];
      }
      case 'database': {
        const c = await this.connect(n.profileId, n.database);
        return (await listSchemas(c.open.port)).map((s): ConnectionNode => ({ type: 'schema', profileId: n.profileId, database: n.database, schema: s.name }));
      }
      case 'schema':
        return (['tables', 'views', 'functions'] as const).map((folder): ConnectionNode => ({ ...n, type: 'folder', folder }));
      case 'folder': {
        const c = await this.connect(n.profileId, n.database);
        if (n.folder === 'functions') {
          const fns = await listFunctions(c.open.port, n.schema, c.open.serverVersion);
          return fns.length ? fns.map((fn): ConnectionNode => ({ type: 'function', fn })) : [empty('No functions')];
        }
        const rels = (await listRelations(c.open.port, n.schema)).filter((r) => isTableLike(r.kind) === (n.folder === 'tables'));
        return rels.length
          ? rels.map((relation): ConnectionNode => ({ type: 'relation', profileId: n.profileId, database: n.database, relation }))
          : [empty(n.folder === 'tables' ? 'No tables' : 'No views')];
      }
      case 'relation': {
        const c = await this.connect(n.profileId, n.database);
        return (await listColumns(c.open.port, n.relation.schema, n.relation.name)).map((column): ConnectionNode => ({ type: 'column', column }));
      }
      case 'replication':
        return this.#monitorChildren(n.profileId);
      case 'monitorLine':
        return (n.line.children ?? []).map((line): ConnectionNode => ({ type: 'monitorLine', line }));
      default:
        return [];
    }
  }

  /**
   * The pool of a profile's database, opening it on first use behind a cancellable notification (a connect
   * that hangs can be cancelled; connectTimeoutSeconds bounds it anyway).
   */
  connect(profileId: string, database?: string): Promise<Connection> {
    if (this.manager.isOpen(profileId)) return this.manager.connect(profileId, database);
    const profile = this.store.get(profileId);
    return Promise.resolve(
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Connecting to ${profile?.name ?? 'server'}…`, cancellable: true },
        (_progress, token) => {
          const ac = new AbortController();
          token.onCancellationRequested(() => ac.abort());
          return this.manager.connect(profileId, database, ac.signal);
        },
      ),
    );
  }

  #replicationNode(profileId: string): ConnectionNode {
    let m = this.#monitors.get(profileId);
    if (!m) {
      const node: ConnectionNode = { type: 'replication', profileId };
      const poller = new MonitorPoller<ReplicationSnapshot>(async () => {
        const c = await this.manager.connect(profileId);
        return readReplication(c.open.port, c.open.serverVersion);
      }, monitorIntervalMs());
      poller.onDidUpdate(() => this.#changed.fire(node));
      m = { node, poller };
      this.#monitors.set(profileId, m);
    }
    return m.node;
  }

  async #monitorChildren(profileId: string): Promise<ConnectionNode[]> {
    const m = this.#monitors.get(profileId);
    if (!m) return [];
    const r = m.poller.last ?? (await m.poller.refresh());
    m.poller.setVisible(this.#visible);
    if (!r.ok) return [this.#errorNode(r.error)];
    return replicationLines(r.value).map((line): ConnectionNode => ({ type: 'monitorLine', line }));
  }

  #errorNode(e: unknown, n?: ConnectionNode): ConnectionNode {
    const text = e instanceof Error ? e.message : String(e);
    this.log.warn(`connections view: ${text}`);
    const profileId = n && 'profileId' in n ? n.profileId : n?.type === 'connection' ? n.profile.id : undefined;
    const needsPassword = ConnectError.is(e) && e.kind === 'auth';
    return {
      type: 'message',
      text,
      icon: 'error',
      ...(needsPassword && profileId
        ? { command: { command: CommandIds.setConnectionPassword, title: 'Set password', arguments: [profileId] }, tooltip: `${text}\nClick to enter the password.` }
        : {}),
    };
  }

  dispose(): void {
    for (const m of this.#monitors.values()) m.poller.dispose();
    this.#monitors.clear();
    for (const s of this.#subs) s.dispose();
  }
}

function empty(text: string): ConnectionNode {
  return { type: 'message', text, icon: 'circle-slash' };
}
