/** The @vscode-elements components the replication panels use (dynamic imports: the package is ESM-only). */
export function defineReplicationElements(): Promise<unknown> {
  return Promise.all([
    import('@vscode-elements/elements/dist/vscode-button/index.js'),
    import('@vscode-elements/elements/dist/vscode-badge/index.js'),
    import('@vscode-elements/elements/dist/vscode-textfield/index.js'),
    import('@vscode-elements/elements/dist/vscode-single-select/index.js'),
    import('@vscode-elements/elements/dist/vscode-option/index.js'),
    import('@vscode-elements/elements/dist/vscode-toolbar-button/index.js'),
    import('@vscode-elements/elements/dist/vscode-progress-bar/index.js'),
  ]);
}
