import * as vscode from 'vscode';
import { ConflictInspector } from '../../core/playground/conflictInspector';
import type { PlaygroundSession } from '../../core/playground/playgroundSession';
import type { SqlPort } from '../../core/sql';
import {
  applyStrategyRequest,
  conflictsProtocol,
  conflictsSnapshotNotification,
  resolveConflictRequest,
  selectConflictRequest,
  stepRequest,
  whatIfRequest,
} from '../../protocol/conflictsProtocol';
import type { Log } from '../log';
import { WebviewPanelHost } from '../webview/webviewPanelHost';
import { SnapshotPusher } from './snapshotPusher';

/**
 * The conflict inspector panel: renders ConflictInspector snapshots and forwards the page's validated requests to
 * it. All logic lives in the inspector (vscode-free); this class only connects it to a webview.
 */
export class ConflictsPanel extends WebviewPanelHost {
  readonly inspector: ConflictInspector;
  readonly #pusher: SnapshotPusher<Awaited<ReturnType<ConflictInspector['snapshot']>>>;

  constructor(extensionUri: vscode.Uri, log: Log, session: PlaygroundSession, openScratch: () => Promise<SqlPort>) {
    super({
      viewType: 'syncPlayground.conflicts',
      title: 'Conflict Inspector',
      bundle: 'conflicts',
      hasCss: true,
      extensionUri,
      protocol: conflictsProtocol,
      log,
    });
    this.inspector = this._register(new ConflictInspector(session, openScratch));
    this.#pusher = this._register(
      new SnapshotPusher(
        () => this.inspector.snapshot(),
        (s) => this.notify(conflictsSnapshotNotification, s),
        (e) => log.error('conflict inspector snapshot failed', e),
      ),
    );
    this._register(this.inspector.onDidChange(() => this.#pusher.request()));
    this.handle(selectConflictRequest, ({ id }) => this.inspector.select(id));
    this.handle(applyStrategyRequest, ({ id, strategy }) => this.inspector.applyStrategy(id, strategy));
    this.handle(resolveConflictRequest, ({ id, take }) => this.inspector.resolve(id, take));
    this.handle(stepRequest, ({ action }) => this.inspector.step(action));
    this.handle(whatIfRequest, ({ id, strategy }) => this.inspector.whatIf(id, strategy));
    this.#pusher.request();
  }

  protected override onReady(reload: boolean): void {
    if (reload) this.#pusher.request();
  }
}
