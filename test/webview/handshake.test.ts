import assert from 'node:assert/strict';
import { appendRowsNotification, fetchMoreRequest, resultsProtocol, showRunNotification } from '../../src/protocol/resultsProtocol';
import { page, productColumns, productRows, run, statement } from './builders';
import { Browser, waitFor, type PanelPage } from './harness';

describe('webview: protocol in the browser', function () {
  let browser: Browser;
  let panel: PanelPage;

  before(async () => (browser = await Browser.launch()));
  after(async () => browser?.close());
  beforeEach(async () => (panel = await browser.openPanel({ panel: 'results', protocol: resultsProtocol })));
  afterEach(async () => panel?.close());

  it('sends ready once loaded, then renders the snapshot the host queued before it', async () => {
    // queued before ready: the host must hold these until the page listens
    panel.host.notify(showRunNotification, run([statement('r1', productColumns, 3)]));
    panel.host.notify(appendRowsNotification, page('r1', 0, productRows(3)));
    await panel.waitForReady();
    assert.deepEqual(panel.fromPage[0], { kind: 'notification', method: 'webview/ready' });
    await panel.settle();
    assert.equal(await panel.page.locator('.command-tag').first().textContent(), 'SELECT 3');
    assert.equal(await panel.page.locator('.grid-row:not([hidden])').count(), 3);
    assert.equal(await panel.page.locator('.grid-row[data-row="1"] .cell[data-col="1"]').textContent(), 'Oat milk 1');
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.consoleErrors, []);
  });

  it('round-trips a request: Fetch more asks the host, and the rows it returns appear', async () => {
    await panel.waitForReady();
    const asked: unknown[] = [];
    panel.host.handle(fetchMoreRequest, (p) => {
      asked.push(p);
      return page('r1', 2, productRows(3, 2), false);
    });
    panel.host.notify(showRunNotification, run([statement('r1', productColumns, 2, { hasMore: true })], { rowCap: 2 }));
    panel.host.notify(appendRowsNotification, page('r1', 0, productRows(2), true));
    await panel.settle();
    assert.match((await panel.page.locator('.more-text').textContent()) ?? '', /Showing the first 2 rows/);
    await panel.page.locator('.more-bar vscode-button').click();
    await waitFor(() => asked.length === 1, 'fetchMore');
    assert.deepEqual(asked, [{ resultId: 'r1', count: 2 }]);
    await panel.page.locator('.grid-row[data-row="4"]').waitFor();
    assert.equal(await panel.page.locator('.result-count').textContent(), '5 rows');
    assert.equal(await panel.page.locator('.more-bar').isHidden(), true);
    const responses = panel.fromPage.filter((m) => m.kind === 'request');
    assert.equal(responses.length, 1);
  });

  it('ignores malformed and unknown host messages, and keeps working', async () => {
    await panel.waitForReady();
    await panel.sendRaw({ kind: 'notification', method: 'results/showRun', params: { runId: 42 } });
    await panel.sendRaw({ kind: 'notification', method: 'results/dropTables', params: {} });
    await panel.sendRaw('hello');
    await panel.sendRaw({ kind: 'response', id: 'nobody:1', result: 1 });
    await panel.settle();
    assert.equal(await panel.page.locator('.message-view.empty').count(), 1, 'still the empty state');
    panel.host.notify(showRunNotification, run([statement('r1', productColumns, 1)]));
    panel.host.notify(appendRowsNotification, page('r1', 0, productRows(1)));
    await panel.settle();
    assert.equal(await panel.page.locator('.command-tag').first().textContent(), 'SELECT 1');
    assert.deepEqual(panel.consoleErrors, []);
  });

  it('after a reload, says ready again, and gets the latest snapshot with the saved UI state', async () => {
    await panel.waitForReady();
    panel.host.notify(showRunNotification, run([statement('r1', productColumns, 3)]));
    panel.host.notify(appendRowsNotification, page('r1', 0, productRows(3)));
    await panel.settle();
    await panel.page.locator('.hcell[data-col="0"]').click(); // sort by id: asc
    await panel.page.locator('.hcell[data-col="0"]').click(); // desc
    await panel.page.reload();
    await waitFor(() => panel.readies.length === 2, 'a second ready');
    assert.deepEqual(panel.readies, [false, true]);
    // what the host does on a reload: re-send the full state
    panel.host.notify(showRunNotification, run([statement('r1', productColumns, 3)]));
    panel.host.notify(appendRowsNotification, page('r1', 0, productRows(3)));
    await panel.settle();
    assert.equal(await panel.page.locator('.hcell[data-col="0"]').getAttribute('aria-sort'), 'descending');
    assert.equal(await panel.page.locator('.grid-row[data-row="0"] .gutter').textContent(), '3');
  });
});
