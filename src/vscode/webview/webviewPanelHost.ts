import * as vscode from 'vscode';
import { Disposable } from '../../core/dispose';
import { Emitter } from '../../core/emitter';
import type { NotificationType, PanelProtocol, Payload, RequestType } from '../../protocol/descriptors';
import { HostChannel } from '../../protocol/hostChannel';
import type { Registration } from '../../protocol/rpcEndpoint';
import { createNonce, renderWebviewHtml } from '../../protocol/webviewHtml';
import type { Log } from '../log';

export interface WebviewPanelHostOptions {
  /** The panel type id (also used to restore panels). */
  readonly viewType: string;
  readonly title: string;
  /** The webview bundle: webview/<bundle>/main.ts built to media/dist/<bundle>.js (+ .css). */
  readonly bundle: string;
  /** Whether the bundle has a css file next to it. */
  readonly hasCss: boolean;
  readonly extensionUri: vscode.Uri;
  readonly protocol: PanelProtocol;
  readonly log: Log;
  readonly showOptions?: vscode.ViewColumn | { readonly viewColumn: vscode.ViewColumn; readonly preserveFocus?: boolean };
  readonly iconPath?: vscode.Uri | { readonly light: vscode.Uri; readonly dark: vscode.Uri };
}

/** One message crossing a panel's channel, either way (exactly what was posted or received). */
export interface WebviewTraffic {
  readonly viewType: string;
  readonly direction: 'toWebview' | 'fromWebview';
  readonly message: unknown;
}

const traffic = new Emitter<WebviewTraffic>();

/**
 * Every message of every panel, for the in-VS Code tests (handed out by activate's test API: the password scan
 * reads each message of a session). Nothing listens in normal use.
 */
export const onWebviewTraffic = traffic.event;

/**
 * The host side of every webview panel: creates the panel with a strict CSP (fresh nonce per render) and
 * resources limited to media/dist, runs the typed channel (validation, ready handshake, one reply per request),
 * and disposes everything with the panel. Subclasses register handlers with `handle` and push state with
 * `notify`; they override `onReady` to send their latest snapshot when the page (re)loads.
 */
export abstract class WebviewPanelHost extends Disposable {
  protected readonly panel: vscode.WebviewPanel;
  readonly #channel: HostChannel;
  readonly #opts: WebviewPanelHostOptions;
  readonly #onDidDispose = this._register(new Emitter<void>());
  readonly #onDidBecomeReady = this._register(new Emitter<{ reload: boolean }>());

  /** Fires once, when the panel is closed or disposed. */
  readonly onDidDispose = this.#onDidDispose.event;
  /** Fires on every `ready` from the page (reload: it loaded again and lost its state). */
  readonly onDidBecomeReady = this.#onDidBecomeReady.event;

  constructor(opts: WebviewPanelHostOptions) {
    super();
    this.#opts = opts;
    const mediaDist = vscode.Uri.joinPath(opts.extensionUri, 'media', 'dist');
    this.panel = vscode.window.createWebviewPanel(opts.viewType, opts.title, opts.showOptions ?? vscode.ViewColumn.Active, {
      enableScripts: true,
      localResourceRoots: [mediaDist],
      // the page is rebuilt from the host's snapshot when shown again; keeping 100k DOM-less rows alive is not needed
      retainContextWhenHidden: false,
    });
    if (opts.iconPath) this.panel.iconPath = opts.iconPath;
    this.#channel = new HostChannel({
      protocol: opts.protocol,
      post: (m) => {
        traffic.fire({ viewType: opts.viewType, direction: 'toWebview', message: m });
        void this.panel.webview.postMessage(m);
      },
      log: (s) => opts.log.warn(`[${opts.viewType}] ${s}`),
      onReady: (reload) => {
        this.onReady(reload);
        this.#onDidBecomeReady.fire({ reload });
      },
    });
    this._register({ dispose: () => this.#channel.dispose() });
    this._register(
      this.panel.webview.onDidReceiveMessage((m: unknown) => {
        traffic.fire({ viewType: opts.viewType, direction: 'fromWebview', message: m });
        this.#channel.receive(m);
      }),
    );
    this._register(
      this.panel.onDidChangeViewState(() => {
        // a hidden panel without retained context loses its page; hold messages until it says ready again
        if (!this.panel.visible) this.#channel.markNotReady();
      }),
    );
    this._register(this.panel.onDidDispose(() => this.dispose()));
    this.render();
  }

  /** True between the page's `ready` and the next time it is hidden, re-rendered or closed. */
  get isReady(): boolean {
    return this.#channel.isReady;
  }

  reveal(preserveFocus = false): void {
    this.panel.reveal(undefined, preserveFocus);
  }

  /** Resolves at the next `ready` (at once if the page is ready now). */
  whenReady(): Promise<void> {
    if (this.isReady) return Promise.resolve();
    return new Promise((resolve) => {
      const sub = this.onDidBecomeReady(() => (sub.dispose(), resolve()));
    });
  }

  /** (Re)loads the page with a fresh nonce. The page says `ready` again, which counts as a reload. */
  protected render(): void {
    this.#channel.markNotReady();
    const w = this.panel.webview;
    const dist = (...p: string[]) => w.asWebviewUri(vscode.Uri.joinPath(this.#opts.extensionUri, 'media', 'dist', ...p)).toString();
    this.panel.webview.html = renderWebviewHtml({
      title: this.#opts.title,
      cspSource: w.cspSource,
      nonce: createNonce(),
      scriptUri: dist(`${this.#opts.bundle}.js`),
      ...(this.#opts.hasCss ? { styleUri: dist(`${this.#opts.bundle}.css`) } : {}),
      codiconsUri: dist('codicons', 'codicon.css'),
    });
  }

  /** Called on every `ready`; send the full current state when `reload` is true (queued messages were dropped). */
  protected onReady(reload: boolean): void {}

  protected handle<P extends Payload, R extends Payload>(desc: RequestType<P, R>, fn: (params: P) => NoInfer<R> | Promise<NoInfer<R>>): Registration {
    return this._register(this.#channel.handle(desc, fn));
  }

  /** Asks the page something, once it is ready. */
  protected async request<P extends Payload, R extends Payload>(desc: RequestType<P, R>, params: NoInfer<P>): Promise<R> {
    await this.whenReady();
    return this.#channel.request(desc, params);
  }

  /** Sends now, or queues until the page is ready. */
  protected notify<P extends Payload>(desc: NotificationType<P>, params: NoInfer<P>): void {
    if (!this.isDisposed) this.#channel.notify(desc, params);
  }

  override dispose(): void {
    if (this.isDisposed) return;
    this.#onDidDispose.fire();
    super.dispose();
    // disposing an already closed panel is a no-op in VS Code
    this.panel.dispose();
  }
}
