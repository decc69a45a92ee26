import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';

describe('Sync Playground in VS Code', () => {
  let extension: vscode.Extension<ExtensionApi>;
  let api: ExtensionApi;

  before(async () => {
    const found = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(found, `extension ${EXTENSION_ID} is not installed in this VS Code`);
    extension = found;
    api = await extension.activate();
  });

  it('activates and hands out its test API', () => {
    assert.equal(extension.isActive, true);
    assert.equal(typeof api.openScratchDatabase, 'function');
  });

  it('registers every command package.json contributes', async () => {
    const manifest = JSON.parse(readFileSync(path.join(extension.extensionPath, 'package.json'), 'utf8')) as {
      contributes: { commands: Array<{ command: string }> };
    };
    const contributed = manifest.contributes.commands.map((c) => c.command);
    assert.ok(contributed.length > 0, 'package.json contributes no commands');
    const registered = new Set(await vscode.commands.getCommands(true));
    assert.deepEqual(contributed.filter((c) => !registered.has(c)), []);
  });

  it('shows the Sync Playground view container', async () => {
    await vscode.commands.executeCommand('workbench.view.extension.syncPlayground');
    // the container's view is a real tree view: focusing it fails when the view is not contributed
    await vscode.commands.executeCommand('syncPlayground.replication.focus');
  });

  it('runs the Show Log command', async () => {
    await vscode.commands.executeCommand('syncPlayground.showLog');
  });

  it('answers SQL from PGlite inside the extension host', async () => {
    const db = await api.openScratchDatabase();
    try {
      const r = await db.query<{ answer: number; version: string }>(
        "SELECT $1::int + 1 AS answer, current_setting('server_version') AS version",
        [41],
      );
      assert.equal(r.rows[0]!.answer, 42);
      assert.match(r.rows[0]!.version, /^\d+/);
    } finally {
      await db.close();
    }
  });
});
