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
    this._register(
      session.onDidChange(() => {
        // the replica shown was removed: show another one rather than fail on every change
        const names = this.session.playground.replicas.map((r) => r.name);
        if (!names.includes(this.#replica) && names[0] !== undefined) this.show(names[0]);
        this.#pusher.request();
      }),
    );
    this.handle(selectReplicaRequest, ({ replica: r }) => this.show(r));
    this.handle(retryOpRequest, ({ opId }) => this.session.retry(this.#replica, opId));
    this.handle(discardOpRequest, async ({ opId }) => {
      const pick = await vscode.window.showWarningMessage(
        `Discard operation ${opId}? It will never be pushed to the hub, and the row goes back to what the hub has.`,
        { modal: true },
        'Discard',
      );
      if (pick !== 'Discard') return false;
      // refusals (a later op on the row, already sent) come back to the webview as the request's error
      await this.session.discard(this.#replica, opId);
      return true;
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
