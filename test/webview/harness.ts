import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { PanelProtocol } from '../../src/protocol/descriptors';
import { HostChannel } from '../../src/protocol/hostChannel';
import type { Envelope } from '../../src/protocol/wire';
import { createNonce, renderWebviewHtml } from '../../src/protocol/webviewHtml';
import { buildWebviews, mediaDist } from './buildWebviews';
import { pageSetupScript } from './pageSetup';
import { themes, type ThemeKind } from './themes';

/** Where the page's resources come from; plays the part of webview.cspSource. */
const origin = 'https://webview.test';

/** One headless Chromium for the whole suite, with a fresh profile. */
export class Browser {
  private constructor(
    readonly context: BrowserContext,
    private readonly profileDir: string,
  ) {}

  static async launch(): Promise<Browser> {
    await buildWebviews();
    const profileDir = mkdtempSync(path.join(tmpdir(), 'webview-test-'));
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1000, height: 560 },
      deviceScaleFactor: 1,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    // resources come from media/dist only, as localResourceRoots allows; everything else fails like in VS Code
    await context.route(`${origin}/**`, async (route) => {
      const url = new URL(route.request().url());
      const file = path.join(mediaDist, decodeURIComponent(url.pathname.replace(/^\/media\/dist\//, '')));
      if (!url.pathname.startsWith('/media/dist/') || !file.startsWith(mediaDist)) return route.fulfill({ status: 404 });
      try {
        const body = readFileSync(file);
        const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.ttf') ? 'font/ttf' : 'application/octet-stream';
        return route.fulfill({ status: 200, body, contentType: type });
      } catch {
        return route.fulfill({ status: 404 });
      }
    });
    return new Browser(context, profileDir);
  }

  /**
   * Opens a panel page: the production HTML (CSP and all) with a fake acquireVsCodeApi whose postMessage feeds a
   * real HostChannel in this process, so tests talk to the page exactly as the extension host does.
   */
  async openPanel(opts: { panel: string; protocol: PanelProtocol; theme?: ThemeKind; state?: unknown }): Promise<PanelPage> {
    const page = await this.context.newPage();
    const nonce = createNonce();
    const html = renderWebviewHtml({
      title: opts.panel,
      cspSource: origin,
      nonce,
      scriptUri: `${origin}/media/dist/${opts.panel}.js`,
      styleUri: `${origin}/media/dist/${opts.panel}.css`,
      codiconsUri: `${origin}/media/dist/codicons/codicon.css`,
    });
    await page.route(`${origin}/index.html`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
    return PanelPage.open(page, `${origin}/index.html`, opts, html);
  }

  async close(): Promise<void> {
    await this.context.close();
    rmSync(this.profileDir, { recursive: true, force: true });
  }
}

export class PanelPage {
  /** Everything the page sent, in order. */
  readonly fromPage: Envelope[] = [];
  readonly consoleErrors: string[] = [];
  readonly hostLog: string[] = [];
  readonly readies: boolean[] = [];
  host!: HostChannel;
  #sendChain: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly page: Page,
    readonly html: string,
  ) {}

  static async open(page: Page, url: string, opts: { protocol: PanelProtocol; theme?: ThemeKind; state?: unknown }, html: string): Promise<PanelPage> {
    const p = new PanelPage(page, html);
    const kind = opts.theme ?? 'dark';
    p.host = new HostChannel({
      protocol: opts.protocol,
      post: (m) => void p.sendRaw(m),
      log: (s) => p.hostLog.push(s),
      onReady: (reload) => p.readies.push(reload),
    });
    page.on('console', (m) => (m.type() === 'error' ? p.consoleErrors.push(m.text()) : undefined));
    page.on('pageerror', (e) => p.consoleErrors.push(e.message));
    await page.exposeFunction('__toHost', (m: Envelope) => {
      p.fromPage.push(m);
      p.host.receive(m);
    });
    await page.addInitScript({ content: `(${pageSetupScript})(${JSON.stringify({ theme: themes[kind], kind, state: opts.state ?? null })});` });
    await page.goto(url);
    return p;
  }

  /** Posts any message to the page as the host would (also malformed ones). Delivery keeps the order of calls. */
  sendRaw(message: unknown): Promise<void> {
    const next = this.#sendChain.then(() => this.page.evaluate((m) => window.postMessage(m, '*'), message as never));
    this.#sendChain = next.catch(() => undefined);
    return next;
  }

  /** Waits until every message sent so far was delivered and the page has rendered a frame after it. */
  async settle(): Promise<void> {
    await this.#sendChain;
    await this.page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  }

  async waitForReady(): Promise<void> {
    await waitFor(() => this.readies.length > 0, 'the page to send ready');
  }

  cspViolations(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);
  }

  clipboard(): Promise<string[]> {
    return this.page.evaluate(() => (window as unknown as { __clipboard: string[] }).__clipboard);
  }

  savedState(): Promise<unknown> {
    return this.page.evaluate(() => (window as unknown as { __state: unknown }).__state);
  }

  async close(): Promise<void> {
    this.host.dispose();
    await this.page.close();
  }
}

/** Polls a condition in this process (messages from the page arrive asynchronously). */
export async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
