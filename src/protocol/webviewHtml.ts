/**
 * The one HTML page every panel is served in. A pure function (no vscode import) so the webview tests load
 * exactly the page, CSP included, that the host gives VS Code.
 */

export interface WebviewHtmlOptions {
  /** Document title (screen readers, dev tools). */
  readonly title: string;
  /** `webview.cspSource`: the origin local resources are served from. */
  readonly cspSource: string;
  /** Fresh per render; see createNonce. */
  readonly nonce: string;
  /** The panel bundle (media/dist/<panel>.js) as a webview URI. */
  readonly scriptUri: string;
  /** The panel's css (media/dist/<panel>.css), if it has one. */
  readonly styleUri?: string;
  /** media/dist/codicons/codicon.css; the id lets vscode-elements' icons find it. */
  readonly codiconsUri: string;
}

/** The Content-Security-Policy of every panel: nothing but our own nonce'd script and our own resources. */
export function webviewCsp(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
}

export function renderWebviewHtml(o: WebviewHtmlOptions): string {
  const a = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(webviewCsp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeText(o.title)}</title>
<link rel="stylesheet" nonce="${a(o.nonce)}" href="${a(o.codiconsUri)}" id="vscode-codicon-stylesheet">
${o.styleUri ? `<link rel="stylesheet" nonce="${a(o.nonce)}" href="${a(o.styleUri)}">` : ''}
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${a(o.nonce)}" src="${a(o.scriptUri)}"></script>
</body>
</html>
`;
}

/** 128 random bits, base64url: unguessable, so injected markup cannot carry a valid nonce. */
export function createNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function escapeAttribute(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
