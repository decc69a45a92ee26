import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createNonce, renderWebviewHtml } from '../../../src/protocol/webviewHtml';

/**
 * Every panel's page: a strict CSP with a fresh nonce, no inline handlers or inline scripts, and bundles that never
 * evaluate strings as code (the CSP forbids 'unsafe-eval'; zod's JIT would need it, so it must stay off).
 */
const ROOT = path.resolve(__dirname, '../../..');
const PANELS = readdirSync(path.join(ROOT, 'webview'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && d.name !== 'shared')
  .map((d) => d.name);

function page(panel: string, nonce: string, title = panel): string {
  return renderWebviewHtml({
    title,
    cspSource: 'https://file+.vscode-resource.vscode-cdn.net',
    nonce,
    scriptUri: `https://file+.vscode-resource.vscode-cdn.net/ext/media/dist/${panel}.js`,
    styleUri: `https://file+.vscode-resource.vscode-cdn.net/ext/media/dist/${panel}.css`,
    codiconsUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/dist/codicons/codicon.css',
  });
}

function csp(html: string): Map<string, string[]> {
  const m = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(m, 'no CSP meta tag');
  return new Map(m[1]!.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k!, v]));
}

describe('security: webview pages and bundles', () => {
  it('has a page per panel', () => assert.deepEqual(PANELS.sort(), ['conflicts', 'queue', 'results', 'timeline']));

  for (const panel of PANELS) {
    it(`${panel}: strict CSP with the nonce, nonce on every script and style, no inline code`, () => {
      const nonce = createNonce();
      const html = page(panel, nonce);
      const policy = csp(html);
      assert.deepEqual(policy.get('default-src'), ["'none'"]);
      assert.deepEqual(policy.get('script-src'), [`'nonce-${nonce}'`], 'scripts only by nonce: no unsafe-inline, no unsafe-eval, no host');
      for (const [directive, sources] of policy) {
        for (const s of sources) assert.ok(!/unsafe-(inline|eval)|^\*$|^https?:$|^data:$/.test(s) || (directive === 'img-src' && s === 'data:'), `${directive} allows ${s}`);
      }
      for (const tag of html.match(/<(script|link|style)\b[^>]*>/g) ?? []) assert.ok(tag.includes(`nonce="${nonce}"`), `no nonce on ${tag}`);
      assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'inline event handler');
      assert.doesNotMatch(html, /javascript:/i);
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'inline script');
    });
  }

  it('nonces are fresh and unguessable (128 bits), and a hostile title cannot break out of the page', () => {
    const nonces = new Set(Array.from({ length: 1000 }, createNonce));
    assert.equal(nonces.size, 1000);
    for (const n of nonces) assert.match(n, /^[A-Za-z0-9_-]{22}$/);
    const html = page('results', createNonce(), `</title><script>alert(1)</script><img src=x onerror="alert(2)">`);
    assert.equal((html.match(/<script/g) ?? []).length, 1, 'the title injected a script');
    assert.doesNotMatch(html, /<img/);
  });

  it('built bundles never evaluate strings as code', () => {
    const dist = path.join(ROOT, 'media/dist');
    const bundles = PANELS.map((p) => path.join(dist, `${p}.js`));
    // npm test builds before it tests; run `npm run build` first when running this file alone
    for (const b of bundles) assert.ok(existsSync(b), `${b} is missing: run npm run build`);
    for (const file of bundles) {
      const js = readFileSync(file, 'utf8');
      for (const bad of [/\beval\s*\(/, /\bnew\s+Function\s*\(/, /\bFunction\s*\(\s*["'`]/, /setTimeout\s*\(\s*["'`]/, /setInterval\s*\(\s*["'`]/]) {
        assert.doesNotMatch(js, bad, `${path.basename(file)} contains ${bad}`);
      }
    }
  });
});
