/**
 * Registers the @vscode-elements components the panels use. Dynamic imports because the package is ESM-only
 * and the type checker treats this repository as CommonJS; esbuild inlines them into the bundle all the same.
 * Elements already in the page upgrade when their definition arrives.
 */
export function defineElements(): Promise<unknown> {
  return Promise.all([
    import('@vscode-elements/elements/dist/vscode-button/index.js'),
    import('@vscode-elements/elements/dist/vscode-icon/index.js'),
    import('@vscode-elements/elements/dist/vscode-progress-bar/index.js'),
    import('@vscode-elements/elements/dist/vscode-tab-header/index.js'),
    import('@vscode-elements/elements/dist/vscode-tabs/index.js'),
    import('@vscode-elements/elements/dist/vscode-textfield/index.js'),
    import('@vscode-elements/elements/dist/vscode-toolbar-button/index.js'),
  ]);
}
