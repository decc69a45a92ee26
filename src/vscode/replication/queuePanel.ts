import * as vscode from 'vscode';
import type { PlaygroundSession } from '../../core/playground/playgroundSession';
import { queueSnapshot } from '../../core/playground/queueView';
import { discardOpRequest, queueProtocol, queueSnapshotNotification, retryOpRequest, selectReplicaRequest, type QueueSnapshot } from '../../protocol/queueProtocol';
import type { Log } from '../log';
import { WebviewPanelHost } from '../webview/webviewPanelHost';
import { SnapshotPusher } from './snapshotPusher';

/** The queue inspector panel: one replica's operation queue, live. */
export class QueuePanel extends WebviewPanelHost {
  #replica: string;
  readonly #pusher: SnapshotPusher<QueueSnapshot>;

  constructor(
    extensionUri: vscode.Uri,
    log: Log,
    private readonly session: PlaygroundSession,
    replica: string,
  ) {
    super({ viewType: 'syncPlayground.queue', title: `Queue: ${replica}`, bundle: 'queue', hasCss: true, extensionUri, protocol: queueProtocol, log });
    this.#replica = replica;
    this.#pusher = this._register(
      new SnapshotPusher(
        () => queueSnapshot(this.session, this.#replica),
        (s) => this.notify(queueSnapshotNotification, s),
        (e) => log.error('queue snapshot failed', e),
      ),
    );
    this._register(session.onDidChange(() => this.#pusher.request()));
    this.handle(selectReplicaRequest, ({ replica: r }) => this.show(r));
    this.handle(retryOpRequest, ({ opId }) => this.session.retry(this.#replica, opId));
    this.handle(discardOpRequest, async ({ opId }) => {
      const pick = await vscode.window.showWarningMessage(
        `Discard operation ${opId}? It will never be pushed to the hub.`,
        { modal: true },
        'Discard',
      );
      if (pick !== 'Discard') return false;
      // the engine has no discard yet (only retry): say so plainly rather than edit its oplog behind its back
      throw new Error('Discarding a pending operation is not supported by the sync engine yet.');
    });
    this.#pusher.request();
  }

  get replica(): string {
    return this.#replica;
  }

  /** Shows another replica's queue in this panel. */
  show(replica: string): void {
    this.session.playground.replica(replica);
    this.#replica = replica;
    this.panel.title = `Queue: ${replica}`;
    this.#pusher.request();
  }

  protected override onReady(reload: boolean): void {
    if (reload) this.#pusher.request();
  }
}
