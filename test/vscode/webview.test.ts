import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { RowsPage, RunSnapshot } from '../../src/protocol/resultsModel';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';

describe('Results panel in VS Code (host ↔ webview round trip)', () => {
  let api: ExtensionApi;

  before(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this VS Code`);
    api = await extension.activate();
  });

  after(() => api?.results.current?.dispose());

  it('opens from its command, says ready, renders what the host sends, and answers the host’s request', async () => {
    await vscode.commands.executeCommand('syncPlayground.showResults');
    const panel = api.results.current;
    assert.ok(panel, 'the command opened no results panel');
    await panel.whenReady();

    const snapshot: RunSnapshot = {
      runId: 'vscode-test-run',
      target: 'Playground (PGlite)',
      startedAt: new Date().toISOString(),
      state: 'done',
      statements: [
        {
          resultId: 'r1',
          index: 0,
          sql: 'SELECT g AS n, NULL AS nothing FROM generate_series(1, 5000) g',
          commandTag: 'SELECT 5000',
          columns: [
            { name: 'n', typeOid: 23, typeName: 'int4', kind: 'number' },
            { name: 'nothing', typeOid: 25, typeName: 'text', kind: 'text' },
          ],
          rowsLoaded: 5000,
          hasMore: false,
          durationMs: 3,
        },
      ],
      durationMs: 4,
      rowCap: 10_000,
    };
    const page: RowsPage = { resultId: 'r1', start: 0, rows: Array.from({ length: 5000 }, (_, i) => [i + 1, null]), hasMore: false };
    panel.showRun(snapshot);
    panel.appendRows(page);

    // a request from the host, answered by the page: exactly what it renders
    const shown = await panel.inspect();
    assert.equal(shown.runId, 'vscode-test-run');
    assert.deepEqual(shown.commandTags, ['SELECT 5000']);
    assert.equal(shown.rowsLoaded, 5000);
    assert.deepEqual(shown.firstRow, ['1', 'NULL']);
    assert.ok(shown.domRows > 0 && shown.domRows < 200, `rows in the DOM: ${shown.domRows}`);
  });

  it('reveals the same panel instead of opening a second one', async () => {
    const first = api.results.current;
    await vscode.commands.executeCommand('syncPlayground.showResults');
    assert.equal(api.results.current, first);
  });
});
