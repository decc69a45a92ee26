/**
 * Runs in the page before any of its scripts: the fake VS Code API (postMessage goes to the test's host channel
 * through the exposed `__toHost`), the theme variables VS Code would set, and recorders for CSP violations and
 * clipboard writes. Plain JavaScript source, because the test runner's transpiler would add helpers that do not
 * exist in the page.
 */
export const pageSetupScript = String.raw`function (arg) {
  var w = window;
  w.__cspViolations = [];
  w.__clipboard = [];
  // VS Code keeps a webview's state across reloads of the page; so does sessionStorage
  var saved = sessionStorage.getItem('__vscodeState');
  w.__state = saved ? JSON.parse(saved) : arg.state;
  document.addEventListener('securitypolicyviolation', function (e) { w.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + (e.lineNumber ? ' at ' + e.sourceFile + ':' + e.lineNumber : '')); });
  var acquired = false;
  w.acquireVsCodeApi = function () {
    if (acquired) throw new Error('An instance of the VS Code API has already been acquired');
    acquired = true;
    return {
      postMessage: function (m) { w.__toHost(JSON.parse(JSON.stringify(m))); },
      getState: function () { return w.__state; },
      setState: function (s) { w.__state = JSON.parse(JSON.stringify(s)); sessionStorage.setItem('__vscodeState', JSON.stringify(s)); },
    };
  };
  // record what the page writes to the clipboard instead of touching the machine's clipboard
  Object.defineProperty(navigator, 'clipboard', {
    value: { writeText: function (t) { w.__clipboard.push(t); return Promise.resolve(); }, readText: function () { return Promise.resolve(''); } },
  });
  // VS Code sets the theme variables on <html> and the theme kind on <body>
  function apply() {
    for (var k in arg.theme) document.documentElement.style.setProperty(k, arg.theme[k]);
    if (document.body) {
      document.body.classList.add('vscode-' + arg.kind);
      document.body.setAttribute('data-vscode-theme-kind', 'vscode-' + arg.kind);
    }
  }
  if (document.documentElement) apply();
  document.addEventListener('DOMContentLoaded', apply);
}`;
