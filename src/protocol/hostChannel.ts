import { readyNotification, type NotificationType, type PanelProtocol, type Payload, type RequestType } from './descriptors';
import { RpcEndpoint, type Registration } from './rpcEndpoint';
import type { Envelope } from './wire';

export interface HostChannelOptions {
  readonly protocol: PanelProtocol;
  /** Posts to the webview (webview.postMessage). */
  readonly post: (message: Envelope) => void;
  readonly log: (message: string) => void;
  /**
   * Called on every `ready`. `reload` is false the first time; true when the page loaded again (it was hidden
   * and discarded, or re-rendered) and lost everything: send the latest full snapshot again.
   */
  readonly onReady: (reload: boolean) => void;
}

/**
 * The host's end of a panel's channel: an RpcEndpoint plus the `ready` handshake. Notifications sent before the
 * webview is ready are queued and flushed, in order, on the first `ready`. After a reload the queue is dropped
 * instead (it held deltas for a page that no longer exists) and `onReady(true)` re-sends full state.
 */
export class HostChannel {
  readonly #endpoint: RpcEndpoint;
  readonly #opts: HostChannelOptions;
  #queue: Envelope[] = [];
  #ready = false;
  #everReady = false;

  constructor(opts: HostChannelOptions) {
    this.#opts = opts;
    this.#endpoint = new RpcEndpoint({
      accepts: opts.protocol.toHost,
      log: opts.log,
      // requests from the webview are answered at once: replies are never held back behind `ready`
      post: (m) => (m.kind === 'notification' && !this.#ready ? this.#queue.push(m) : opts.post(m)),
    });
    this.#endpoint.onNotification(readyNotification, () => this.#onReady());
  }

  get isReady(): boolean {
    return this.#ready;
  }

  handle<P extends Payload, R extends Payload>(desc: RequestType<P, R>, fn: (params: P) => NoInfer<R> | Promise<NoInfer<R>>): Registration {
    return this.#endpoint.handle(desc, fn);
  }

  onNotification<P extends Payload>(desc: NotificationType<P>, fn: (params: P) => void): Registration {
    return this.#endpoint.onNotification(desc, fn);
  }

  /** Asks the webview something. Call once it is ready: a request is not queued. */
  request<P extends Payload, R extends Payload>(desc: RequestType<P, R>, params: NoInfer<P>, options?: { timeoutMs?: number }): Promise<R> {
    return this.#endpoint.request(desc, params, options);
  }

  /** Sends now if the webview is ready, else queues. */
  notify<P extends Payload>(desc: NotificationType<P>, params: NoInfer<P>): void {
    this.#endpoint.notify(desc, params);
  }

  /** Incoming message from the webview. */
  receive(raw: unknown): boolean {
    return this.#endpoint.receive(raw);
  }

  /**
   * The page is gone (hidden without retained context, or about to be re-rendered): hold notifications until it
   * says `ready` again.
   */
  markNotReady(): void {
    this.#ready = false;
  }

  dispose(): void {
    this.#endpoint.dispose();
    this.#queue = [];
  }

  #onReady(): void {
    const reload = this.#everReady;
    this.#everReady = true;
    this.#ready = true;
    const queued = this.#queue;
    this.#queue = [];
    if (!reload) for (const m of queued) this.#opts.post(m);
    this.#opts.onReady(reload);
  }
}
