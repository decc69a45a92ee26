import type * as vscode from 'vscode';
import type { PlaygroundSession } from '../../core/playground/playgroundSession';
import { timelineSnapshot } from '../../core/playground/timelineView';
import { openConflictRequest, timelineProtocol, timelineSnapshotNotification, type TimelineSnapshot } from '../../protocol/timelineProtocol';
import type { Log } from '../log';
import { WebviewPanelHost } from '../webview/webviewPanelHost';
import { SnapshotPusher } from './snapshotPusher';

/** The timeline panel: every sync event of the playground, in lanes per replica. */
export class TimelinePanel extends WebviewPanelHost {
  readonly #pusher: SnapshotPusher<TimelineSnapshot>;

  constructor(extensionUri: vscode.Uri, log: Log, session: PlaygroundSession, openConflict: (id: number) => Promise<void>) {
    super({ viewType: 'syncPlayground.timeline', title: 'Sync Timeline', bundle: 'timeline', hasCss: true, extensionUri, protocol: timelineProtocol, log });
    this.#pusher = this._register(
      new SnapshotPusher(
        () => timelineSnapshot(session),
        (s) => this.notify(timelineSnapshotNotification, s),
        (e) => log.error('timeline snapshot failed', e),
      ),
    );
    this._register(session.onDidChange(() => this.#pusher.request()));
    this.handle(openConflictRequest, ({ id }) => openConflict(id));
    this.#pusher.request();
  }

  protected override onReady(reload: boolean): void {
    if (reload) this.#pusher.request();
  }
}
