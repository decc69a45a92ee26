import assert from 'node:assert/strict';
import { createNonce, renderWebviewHtml } from '../../../src/protocol/webviewHtml';

describe('protocol: webview HTML', () => {
  const html = renderWebviewHtml({
    title: 'Results <1>',
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce: 'abc123',
    scriptUri: 'https://r/media/dist/results.js',
    styleUri: 'https://r/media/dist/results.css',
    codiconsUri: 'https://r/media/dist/codicons/codicon.css',
  });

  it('carries a strict CSP: only the nonce runs scripts, only our origin serves styles and fonts', () => {
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1];
    assert.equal(
      csp,
      "default-src 'none'; script-src 'nonce-abc123'; style-src https://file+.vscode-resource.vscode-cdn.net 'nonce-abc123'; font-src https://file+.vscode-resource.vscode-cdn.net; img-src https://file+.vscode-resource.vscode-cdn.net data:",
    );
    assert.doesNotMatch(html, /unsafe-inline|unsafe-eval/);
  });

  it('loads the bundle as a nonce’d module, the css and the codicons stylesheet', () => {
    assert.match(html, /<script type="module" nonce="abc123" src="https:\/\/r\/media\/dist\/results.js"><\/script>/);
    assert.match(html, /href="https:\/\/r\/media\/dist\/results.css"/);
    assert.match(html, /id="vscode-codicon-stylesheet"/);
    assert.match(html, /<title>Results &lt;1&gt;<\/title>/);
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const a = createNonce();
    assert.match(a, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(a, createNonce());
  });
});
