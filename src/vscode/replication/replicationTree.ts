import * as vscode from 'vscode';
import type { PlaygroundSnapshot, ReplicaSnapshot } from '../../core/playground/playgroundSnapshot';
import { describeLink } from '../../core/sync/replicaLink';
import { CommandIds } from '../commandIds';
import type { OpStatus } from '../../core/sync/types';
import { OP_STATUS_ICONS } from '../../protocol/replicationModel';

/** The nodes of the replication tree. Plain data: the tree is rebuilt from each new snapshot. */
export type ReplicationNode =
  | { readonly type: 'scenario' }
  | { readonly type: 'database'; readonly name: string }
  | { readonly type: 'table'; readonly database: string; readonly table: string; readonly rows: number }
  | { readonly type: 'queue'; readonly replica: string }
  | { readonly type: 'queueStatus'; readonly replica: string; readonly status: string; readonly count: number }
  | { readonly type: 'conflicts'; readonly replica: string }
  | { readonly type: 'conflict'; readonly id: number; readonly label: string; readonly detail: string };

/** A scenario opened step by step: where it is. */
export interface ScenarioProgress {
  readonly name: string;
  readonly position: number;
  readonly total: number;
  /** The next step as text; undefined when every step ran. */
  readonly next: string | undefined;
}

const skewText = (ms: number) => (ms === 0 ? '' : `clock ${ms > 0 ? '+' : '−'}${Math.abs(ms) >= 60_000 ? `${Math.abs(ms) / 60_000} min` : `${Math.abs(ms)} ms`}`);

/** "online · 2 pending · 1 conflict · clock +5 min · flaky 30%": what a replica's row says at a glance. */
export function replicaDescription(r: ReplicaSnapshot): string {
  return [
    r.online ? 'online' : 'offline',
    r.pending ? `${r.pending} pending` : '',
    r.openConflicts ? `${r.openConflicts} conflict${r.openConflicts > 1 ? 's' : ''}` : '',
    skewText(r.clockSkewMs),
    r.link ? describeLink(r.link) : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/**
 * The sidebar's replication view: the hub and each replica, with their tables, queue and conflicts. It renders
 * the latest PlaygroundSnapshot only; the feature replaces it on every change of the playground.
 */
export class ReplicationTree implements vscode.TreeDataProvider<ReplicationNode> {
  readonly #onDidChange = new vscode.EventEmitter<ReplicationNode | undefined>();
  readonly onDidChangeTreeData = this.#onDidChange.event;
  #snapshot: PlaygroundSnapshot | undefined;
  #scenario: ScenarioProgress | undefined;
  /** Where the hub runs when it is on a PostgreSQL server ("staging: sync_playground on …"); undefined: PGlite. */
  hubLocation: string | undefined;

  get snapshot(): PlaygroundSnapshot | undefined {
    return this.#snapshot;
  }

  /** The scenario being played step by step, if any (shown above the hub). */
  showScenario(progress: ScenarioProgress | undefined): void {
    this.#scenario = progress;
    this.#onDidChange.fire(undefined);
  }

  show(snapshot: PlaygroundSnapshot | undefined): void {
    this.#snapshot = snapshot;
    this.#onDidChange.fire(undefined);
  }

  getChildren(node?: ReplicationNode): ReplicationNode[] {
    const s = this.#snapshot;
    if (!s) return [];
    if (!node)
      return [
        ...(this.#scenario ? [{ type: 'scenario' as const }] : []),
        { type: 'database' as const, name: 'hub' },
        ...s.replicas.map((r) => ({ type: 'database' as const, name: r.name })),
      ];
    switch (node.type) {
      case 'database': {
        const db = node.name === 'hub' ? s.hub : s.replicas.find((r) => r.name === node.name);
        if (!db) return [];
        const tables = db.tables.map((t) => ({ type: 'table' as const, database: node.name, table: t.table, rows: t.rows }));
        return node.name === 'hub'
          ? [...tables, { type: 'conflicts', replica: '' }]
          : [...tables, { type: 'queue', replica: node.name }, { type: 'conflicts', replica: node.name }];
      }
      case 'queue': {
        const r = s.replicas.find((x) => x.name === node.replica);
        return Object.entries(r?.counts ?? {})
          .filter(([, n]) => n > 0)
          .map(([status, count]) => ({ type: 'queueStatus' as const, replica: node.replica, status, count }));
      }
      case 'conflicts':
        return s.openConflicts
          .filter((c) => !node.replica || c.replica === node.replica)
          .map((c) => ({
            type: 'conflict' as const,
            id: c.id,
            label: `#${c.id} ${c.type}`,
            detail: `${c.table.name} ${Object.values(c.pk).map((v) => JSON.stringify(v)).join(', ')} from ${c.replica}`,
          }));
      default:
        return [];
    }
  }

  getTreeItem(node: ReplicationNode): vscode.TreeItem {
    const s = this.#snapshot!;
    const C = vscode.TreeItemCollapsibleState;
    switch (node.type) {
      case 'scenario': {
        const p = this.#scenario!;
        const item = new vscode.TreeItem(`Scenario ${p.name}`, C.None);
        item.id = 'scenario';
        item.iconPath = new vscode.ThemeIcon(p.next ? 'debug-alt' : 'pass');
        item.description = p.next ? `step ${p.position + 1} of ${p.total}: ${p.next}` : `all ${p.total} steps played`;
        item.tooltip = p.next ? `Next: ${p.next}` : 'Every step of the scenario was played.';
        item.contextValue = p.next ? 'scenario.playing' : 'scenario.done';
        if (p.next) item.command = { command: CommandIds.playScenarioStep, title: 'Play Next Scenario Step' };
        return item;
      }
      case 'database': {
        if (node.name === 'hub') {
          const item = new vscode.TreeItem('hub', C.Expanded);
          item.id = 'db:hub';
          item.iconPath = new vscode.ThemeIcon('server');
          item.description = [this.hubLocation ?? 'PGlite', `${s.replicas.length} replicas`, s.openConflicts.length ? `${s.openConflicts.length} open conflicts` : ''].filter(Boolean).join(' · ');
          item.contextValue = 'hub';
          item.tooltip = `The hub: the authoritative copy every replica syncs with.\n${this.hubLocation ? `On PostgreSQL server ${this.hubLocation}.` : 'Embedded PGlite, next to the replicas.'}`;
          return item;
        }
        const r = s.replicas.find((x) => x.name === node.name)!;
        const item = new vscode.TreeItem(r.name, C.Collapsed);
        item.id = `db:${r.name}`;
        const stepping = s.stepping && !s.stepping.done && s.stepping.replica === r.name;
        item.iconPath = stepping
          ? new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('debugIcon.pauseForeground'))
          : r.online
            ? new vscode.ThemeIcon('vm-running', new vscode.ThemeColor('testing.iconPassed'))
            : new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('disabledForeground'));
        item.description = (stepping ? 'paused in step sync · ' : '') + replicaDescription(r);
        item.contextValue = `replica.${r.online ? 'online' : 'offline'}${stepping ? '.stepping' : ''}`;
        item.tooltip = new vscode.MarkdownString(
          `**${r.name}** — ${r.online ? 'online' : 'offline'}\n\nqueue: ${Object.entries(r.counts).filter(([, n]) => n).map(([k, n]) => `${n} ${k}`).join(', ') || 'empty'}` +
            `\n\nclock skew: ${r.clockSkewMs} ms` +
            `\n\nlink to the hub: ${describeLink(r.link)}${r.link?.dropRate ? ` (seed ${r.link.seed}; syncs retry with backoff)` : ''}`,
        );
        return item;
      }
      case 'table': {
        const item = new vscode.TreeItem(node.table, C.None);
        item.id = `table:${node.database}:${node.table}`;
        item.iconPath = new vscode.ThemeIcon('table');
        item.description = `${node.rows} row${node.rows === 1 ? '' : 's'}`;
        item.contextValue = 'table';
        item.command = { command: CommandIds.openPlaygroundTable, title: 'Open Table', arguments: [node] };
        return item;
      }
      case 'queue': {
        const r = s.replicas.find((x) => x.name === node.replica);
        const total = Object.values(r?.counts ?? {}).reduce((a, b) => a + b, 0);
        const item = new vscode.TreeItem('Queue', total ? C.Collapsed : C.None);
        item.id = `queue:${node.replica}`;
        item.iconPath = new vscode.ThemeIcon('list-ordered');
        item.description = total ? `${r!.pending} pending of ${total}` : 'empty';
        item.contextValue = 'queue';
        item.command = { command: CommandIds.openQueue, title: 'Open Queue Inspector', arguments: [node] };
        return item;
      }
      case 'queueStatus': {
        const item = new vscode.TreeItem(node.status, C.None);
        item.id = `queue:${node.replica}:${node.status}`;
        item.iconPath = new vscode.ThemeIcon(OP_STATUS_ICONS[node.status as OpStatus] ?? 'circle-outline');
        item.description = String(node.count);
        item.command = { command: CommandIds.openQueue, title: 'Open Queue Inspector', arguments: [node] };
        return item;
      }
      case 'conflicts': {
        const n = s.openConflicts.filter((c) => !node.replica || c.replica === node.replica).length;
        const item = new vscode.TreeItem('Conflicts', n ? C.Expanded : C.None);
        item.id = `conflicts:${node.replica}`;
        item.iconPath = new vscode.ThemeIcon(n ? 'warning' : 'pass', n ? new vscode.ThemeColor('problemsWarningIcon.foreground') : undefined);
        item.description = n ? `${n} open` : node.replica ? 'none open' : `${s.conflictCount} so far, none open`;
        item.contextValue = 'conflicts';
        item.command = { command: CommandIds.openConflicts, title: 'Open Conflict Inspector', arguments: [node] };
        return item;
      }
      case 'conflict': {
        const item = new vscode.TreeItem(node.label, C.None);
        item.id = `conflict:${node.id}`;
        item.iconPath = new vscode.ThemeIcon('git-merge', new vscode.ThemeColor('problemsWarningIcon.foreground'));
        item.description = node.detail;
        item.contextValue = 'conflict';
        item.command = { command: CommandIds.openConflicts, title: 'Open Conflict Inspector', arguments: [node] };
        return item;
      }
    }
  }

  dispose(): void {
    this.#onDidChange.dispose();
  }
}

