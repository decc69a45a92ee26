import './zodJitless';
import { readyNotification, type NotificationType, type PanelProtocol, type Payload, type RequestType } from '../../src/protocol/descriptors';
import { RpcEndpoint, type Registration } from '../../src/protocol/rpcEndpoint';
import type { WireValue } from '../../src/protocol/wire';

/** What VS Code injects into a webview. Called once per page: a second call throws. */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The webview's end of a panel's channel. */
export interface WebviewClient<S extends WireValue> {
  request<P extends Payload, R extends Payload>(desc: RequestType<P, R>, params: NoInfer<P>, options?: { timeoutMs?: number }): Promise<R>;
  notify<P extends Payload>(desc: NotificationType<P>, params: NoInfer<P>): void;
  onNotification<P extends Payload>(desc: NotificationType<P>, fn: (params: P) => void): Registration;
  /** Answers requests from the host. */
  handle<P extends Payload, R extends Payload>(desc: RequestType<P, R>, fn: (params: P) => NoInfer<R> | Promise<NoInfer<R>>): Registration;
  /** Tells the host the page is listening. Call once, after registering notification handlers. */
  ready(): void;
  /** UI state saved by VS Code across reloads (never data: the host re-sends that on `ready`). */
  getState(): S | undefined;
  setState(state: S): void;
}

/**
 * Connects a panel page to its host: every message from the host goes through the protocol's validation; replies
 * and notifications are typed. Messages from anything but the host (other frames, extensions) fail validation.
 */
export function createClient<S extends WireValue>(protocol: PanelProtocol, options: { requestTimeoutMs?: number } = {}): WebviewClient<S> {
  const vscode = acquireVsCodeApi();
  const endpoint = new RpcEndpoint({
    accepts: protocol.toWebview,
    post: (m) => vscode.postMessage(m),
    log: (s) => console.warn(`[webview] ${s}`),
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
  });
  window.addEventListener('message', (e: MessageEvent) => endpoint.receive(e.data));
  window.addEventListener('unload', () => endpoint.dispose());
  return {
    request: (desc, params, opts) => endpoint.request(desc, params, opts),
    notify: (desc, params) => endpoint.notify(desc, params),
    onNotification: (desc, fn) => endpoint.onNotification(desc, fn),
    handle: (desc, fn) => endpoint.handle(desc, fn),
    ready: () => endpoint.notify(readyNotification, undefined),
    getState: () => (vscode.getState() as S | null) ?? undefined,
    setState: (state) => vscode.setState(state),
  };
}
