import assert from 'node:assert/strict';
import * as vscode from 'vscode';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';

/**
 * Runs in a VS Code where the packaged .vsix was installed (scripts/test.sh, vscode layer): proves the package
 * holds everything the extension needs at run time (bundle, PGlite assets, media).
 */
describe('Sync Playground installed from the .vsix', () => {
  it('is the installed copy, not the development folder', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `extension ${EXTENSION_ID} is not installed`);
    const devRoot = process.env.SYNC_PLAYGROUND_REPO_ROOT;
    assert.ok(devRoot, 'SYNC_PLAYGROUND_REPO_ROOT is not set by the launcher');
    assert.ok(!ext.extensionPath.startsWith(devRoot), `active copy is ${ext.extensionPath}`);
    assert.match(ext.extensionPath, /sync-playground\.sync-playground-postgres-\d/);
  });

  it('activates and runs its commands', async () => {
    const ext = vscode.extensions.getExtension<{ openScratchDatabase(): Promise<{ query(sql: string): Promise<{ rows: Array<Record<string, unknown>> }>; close(): Promise<void> }> }>(EXTENSION_ID)!;
    const api = await ext.activate();
    await vscode.commands.executeCommand('syncPlayground.showLog');
    await vscode.commands.executeCommand('workbench.view.extension.syncPlayground');
    const db = await api.openScratchDatabase();
    try {
      assert.equal((await db.query('SELECT 6 * 7 AS n')).rows[0]!.n, 42);
    } finally {
      await db.close();
    }
  });
});
