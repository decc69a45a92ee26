import * as vscode from 'vscode';
import type { PlaygroundSnapshot } from '../../core/playground/playgroundSnapshot';
import { CommandIds } from '../commandIds';

/** The playground at a glance: replicas online, pending ops, open conflicts, a paused step sync. */
export class PlaygroundStatusBar implements vscode.Disposable {
  readonly #item = vscode.window.createStatusBarItem('syncPlayground.status', vscode.StatusBarAlignment.Left, 50);

  constructor() {
    this.#item.name = 'Sync Playground';
  }

  show(s: PlaygroundSnapshot | undefined): void {
    if (!s) return this.#item.hide();
    const online = s.replicas.filter((r) => r.online).length;
    const pending = s.replicas.reduce((n, r) => n + r.pending, 0);
    const open = s.openConflicts.length;
    const paused = s.stepping && !s.stepping.done;
    this.#item.text = [
      paused ? `$(debug-pause) step sync ${s.stepping!.replica}` : '$(sync)',
      `${online}/${s.replicas.length} online`,
      pending ? `$(clock) ${pending}` : '',
      open ? `$(warning) ${open}` : '',
    ]
      .filter(Boolean)
      .join(' ');
    this.#item.tooltip = `Playground ${s.name}: ${online} of ${s.replicas.length} replicas online, ${pending} ops pending, ${open} open conflicts${paused ? `, step sync of ${s.stepping!.replica} paused` : ''}`;
    this.#item.command = open || paused ? CommandIds.openConflicts : CommandIds.openTimeline;
    this.#item.backgroundColor = open ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.#item.show();
  }

  dispose(): void {
    this.#item.dispose();
  }
}
