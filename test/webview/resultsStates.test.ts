import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  appendRowsNotification,
  cancelRunRequest,
  fetchMoreRequest,
  rerunRequest,
  resultsProtocol,
  rowsGoneCode,
  showRunNotification,
} from '../../src/protocol/resultsProtocol';
import { col, page, productColumns, productRows, run, statement } from './builders';
import { repoRoot } from './buildWebviews';
import { Browser, waitFor, type PanelPage } from './harness';

const screenshots = path.join(repoRoot, '.artifacts', 'screenshots');

describe('webview: results states (error, running, several statements)', function () {
  let browser: Browser;
  let panel: PanelPage;

  before(async () => {
    browser = await Browser.launch();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => browser?.close());
  beforeEach(async () => {
    panel = await browser.openPanel({ panel: 'results', protocol: resultsProtocol, theme: 'dark' });
    await panel.waitForReady();
  });
  afterEach(async () => panel?.close());

  it('shows a failed statement: message, SQLSTATE, detail, hint and the position in the SQL', async () => {
    const sql = 'INSERT INTO items (id, name) VALUES (1, \'Espresso beans\')';
    panel.host.notify(
      showRunNotification,
      run([statement('r1', [], 0, { commandTag: 'CREATE TABLE', sql: 'CREATE TABLE items (id int PRIMARY KEY, name text)' })], {
        state: 'failed',
        error: {
          index: 1,
          sql,
          message: 'duplicate key value violates unique constraint "items_pkey"',
          code: '23505',
          detail: 'Key (id)=(1) already exists.',
          hint: 'Use ON CONFLICT (id) DO UPDATE to overwrite the existing row.',
          position: 13,
        },
      }),
    );
    await panel.settle();
    const p = panel.page;
    assert.equal(await p.locator('.error-message').textContent(), 'duplicate key value violates unique constraint "items_pkey"');
    assert.equal(await p.locator('.error-code').textContent(), '23505');
    const facts = await p.locator('.error-facts').textContent();
    assert.match(facts!, /Key \(id\)=\(1\) already exists\./);
    assert.match(facts!, /Use ON CONFLICT/);
    assert.equal(await p.locator('.error-position').textContent(), 'i', 'character 13 of the statement is marked');
    assert.equal(await p.locator('.run-state').textContent(), 'Failed');
    // both statements are reachable: the one that worked and the error (selected)
    assert.deepEqual(await p.locator('vscode-tab-header').allTextContents(), ['1 CREATE TABLE', '2 Error']);
    await p.screenshot({ path: path.join(screenshots, 'results-error.png') });
    await p.locator('vscode-tab-header').first().click();
    assert.equal(await p.locator('.command-view .command-tag').textContent(), 'CREATE TABLE');
  });

  it('shows a running run with Cancel, which asks the host to cancel that run', async () => {
    const cancelled: string[] = [];
    panel.host.handle(cancelRunRequest, ({ runId }) => void cancelled.push(runId));
    panel.host.notify(showRunNotification, run([], { state: 'running', runId: 'run-7' }));
    await panel.settle();
    const p = panel.page;
    assert.equal(await p.locator('.run-state').textContent(), 'Running…');
    assert.equal(await p.locator('vscode-progress-bar').count(), 1);
    await p.locator('vscode-button.run-cancel').click();
    await waitFor(() => cancelled.length === 1, 'the cancel request');
    assert.deepEqual(cancelled, ['run-7']);
    panel.host.notify(showRunNotification, run([], { state: 'cancelled', runId: 'run-7' }));
    await panel.settle();
    assert.equal(await p.locator('.run-state').textContent(), 'Cancelled');
    assert.equal(await p.locator('vscode-button.run-cancel').count(), 0);
  });

  it('a statement stopped by Cancel on an embedded database: Cancelled, with the message saying the database restarted', async () => {
    const message = 'Query cancelled: the embedded database was restarted to stop it; committed data is intact.';
    panel.host.notify(
      showRunNotification,
      run([], { state: 'cancelled', error: { index: 0, sql: 'SELECT pg_sleep(30)', message, code: '57014', detail: 'PGlite cannot interrupt a running statement.' } }),
    );
    await panel.settle();
    const p = panel.page;
    assert.equal(await p.locator('.run-state').textContent(), 'Cancelled');
    assert.equal(await p.locator('.error-message').textContent(), message);
    assert.equal(await p.locator('.error-code').textContent(), '57014');
  });

  it('Fetch more on rows that are no longer open says why and turns into Run again, which reruns the query', async () => {
    const gone = 'The rest of these rows is no longer available: the database ran something else since (a sync). Run the query again to see more.';
    panel.host.handle(fetchMoreRequest, () => {
      throw Object.assign(new Error(gone), { code: rowsGoneCode });
    });
    const reruns: string[] = [];
    panel.host.handle(rerunRequest, ({ runId }) => void reruns.push(runId));
    panel.host.notify(showRunNotification, run([statement('r1', productColumns, 2, { hasMore: true })], { rowCap: 2, runId: 'run-9' }));
    panel.host.notify(appendRowsNotification, page('r1', 0, productRows(2), true));
    await panel.settle();
    const p = panel.page;
    await p.locator('.more-bar vscode-button').click();
    await p.locator('.more-bar vscode-button', { hasText: 'Run again' }).waitFor();
    assert.equal(await p.locator('.more-text').textContent(), gone);
    await p.locator('.more-bar vscode-button').click();
    await waitFor(() => reruns.length === 1, 'the rerun request');
    assert.deepEqual(reruns, ['run-9']);
  });

  it('gives each statement a tab, opens on the last one with rows, and keeps each tab’s rows', async () => {
    const two = [col('answer', 'int4', 'number')];
    panel.host.notify(
      showRunNotification,
      run([
        statement('a', productColumns, 3, { index: 0, commandTag: 'SELECT 3' }),
        statement('b', two, 1, { index: 1, commandTag: 'SELECT 1' }),
        statement('c', [], 0, { index: 2, commandTag: 'UPDATE 4' }),
      ]),
    );
    panel.host.notify(appendRowsNotification, page('a', 0, productRows(3)));
    panel.host.notify(appendRowsNotification, page('b', 0, [[42]]));
    await panel.settle();
    const p = panel.page;
    assert.deepEqual(await p.locator('vscode-tab-header').allTextContents(), ['1 SELECT 3', '2 SELECT 1', '3 UPDATE 4']);
    assert.equal(await p.locator('.grid-row[data-row="0"] .cell[data-col="0"]').textContent(), '42');
    await p.locator('vscode-tab-header').first().click();
    assert.equal(await p.locator('.grid-row:not([hidden])').count(), 3);
    assert.equal(await p.locator('.grid-row[data-row="0"] .cell[data-col="1"]').textContent(), 'Espresso beans 1');
  });
});
