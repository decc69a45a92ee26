import assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { SqlPort } from '../../src/core/sql';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';

/** A liveness wait (not a timing check): the generous limit only turns a hang into a clear failure. */
async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`${what} did not happen`);
}

describe('SQL playground in VS Code', () => {
  let api: ExtensionApi;
  let scratch: SqlPort | undefined;
  let registration: { dispose(): unknown } | undefined;

  before(async () => {
    const extension = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not installed in this VS Code`);
    api = await extension.activate();
    // a target of our own, so the test never touches the user's persisted playground database
    registration = api.query.targets.register({
      id: 'vscode-test',
      label: 'test scratch',
      open: async () => (scratch ??= await api.openScratchDatabase()),
    });
  });

  after(async () => {
    registration?.dispose();
    api?.results.current?.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await scratch?.close();
  });

  async function openSql(text: string): Promise<vscode.TextEditor> {
    const doc = await vscode.workspace.openTextDocument({ language: 'sql', content: text });
    return vscode.window.showTextDocument(doc);
  }

  it('runs the script of the editor on the pinned target and shows every result in the results panel', async () => {
    await openSql(
      '-- target: test scratch\nCREATE TABLE notes (id int, body text);\nINSERT INTO notes SELECT g, \'note \' || g FROM generate_series(1, 3) g;\nSELECT id, body FROM notes ORDER BY id;\n',
    );
    await vscode.commands.executeCommand('syncPlayground.runQuery');
    await api.query.idle();
    const run = api.query.lastRun();
    assert.equal(run?.state, 'done', JSON.stringify(run?.error));
    assert.equal(run.target, 'test scratch');
    const panel = api.results.current;
    assert.ok(panel, 'the run opened no results panel');
    await panel.whenReady();
    const seen = await panel.inspect();
    assert.equal(seen.runId, run.runId);
    assert.deepEqual(seen.commandTags, ['CREATE TABLE', 'INSERT 0 3', 'SELECT 3']);
    assert.deepEqual(seen.firstRow, ['1', 'note 1']);
  });

  it('marks a failing statement as a diagnostic at the place Postgres points to', async () => {
    const editor = await openSql('-- target: test scratch\nSELECT 1;\nSELECT id, nope FROM notes;\n');
    await vscode.commands.executeCommand('syncPlayground.runQuery');
    await api.query.idle();
    assert.equal(api.query.lastRun()?.state, 'failed');
    const diags = vscode.languages.getDiagnostics(editor.document.uri);
    assert.equal(diags.length, 1);
    const d = diags[0]!;
    assert.equal(editor.document.getText(d.range), 'nope');
    assert.equal(d.range.start.line, 2);
    assert.match(d.message, /column "nope" does not exist/);
    assert.equal(d.code, '42703');
  });

  it('Cancel Query stops a long statement on the playground database, which restarts with its data, and the results say so', async function () {
    this.timeout(180_000);
    const runScript = async (sql: string) => {
      await openSql(`-- target: playground\n${sql}\n`);
      await vscode.commands.executeCommand('syncPlayground.runQuery');
      await api.query.idle();
      return api.query.lastRun();
    };
    const setup = await runScript('DROP TABLE IF EXISTS cancel_kept; CREATE TABLE cancel_kept (x int); INSERT INTO cancel_kept VALUES (1);');
    assert.equal(setup?.state, 'done', JSON.stringify(setup?.error));

    await openSql('-- target: playground\nSELECT pg_sleep(60);\n');
    const running = vscode.commands.executeCommand('syncPlayground.runQuery');
    await until('the long run to start', () => api.query.lastRun()?.runId !== setup.runId && api.query.lastRun()?.state === 'running');
    // as a person would: press Cancel again if the first press came before the statement reached the database
    for (let i = 0; i < 100 && api.query.lastRun()?.state === 'running'; i++) {
      await vscode.commands.executeCommand('syncPlayground.cancelQuery');
      await new Promise((r) => setTimeout(r, 300));
    }
    await running;
    const run = api.query.lastRun();
    assert.equal(run?.state, 'cancelled');
    assert.match(run.error?.message ?? '', /^Query cancelled: the embedded database was restarted to stop it; committed data is intact\.$/);
    const panel = api.results.current;
    assert.ok(panel, 'no results panel');
    await panel.whenReady();
    await until('the panel to show the cancelled run', async () => (await panel.inspect()).runId === run.runId);
    assert.match((await panel.inspect()).error ?? '', /^Query cancelled: the embedded database was restarted/);

    const after = await runScript('SELECT count(*) AS n FROM cancel_kept;');
    assert.equal(after?.state, 'done', JSON.stringify(after?.error));
    await until('the panel to show the count', async () => (await panel.inspect()).runId === after.runId);
    assert.deepEqual((await panel.inspect()).firstRow, ['1']);
  });

  it('runs only the statement under the cursor', async () => {
    const editor = await openSql('-- target: test scratch\nSELECT 1 AS one;\nSELECT 2 AS two;\n');
    const at = editor.document.positionAt(editor.document.getText().indexOf('2 AS two'));
    editor.selection = new vscode.Selection(at, at);
    await vscode.commands.executeCommand('syncPlayground.runStatementAtCursor');
    await api.query.idle();
    const run = api.query.lastRun();
    assert.deepEqual(run?.statements.map((s) => s.sql), ['SELECT 2 AS two']);
  });
});
