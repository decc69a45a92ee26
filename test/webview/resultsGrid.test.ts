import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Cell } from '../../src/protocol/resultsModel';
import { appendRowsNotification, resultsProtocol, showRunNotification } from '../../src/protocol/resultsProtocol';
import { col, page, productColumns, productRows, run, statement } from './builders';
import { repoRoot } from './buildWebviews';
import { Browser, type PanelPage } from './harness';

const screenshots = path.join(repoRoot, '.artifacts', 'screenshots');

describe('webview: results grid', function () {
  let browser: Browser;
  let panel: PanelPage;

  before(async () => {
    browser = await Browser.launch();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => browser?.close());
  afterEach(async () => panel?.close());

  /** Opens the panel and shows one result set, delivered in pages as the host does. */
  async function show(columns = productColumns, rows: Cell[][] = productRows(50), theme: 'dark' | 'light' = 'dark', pageSize = 10_000) {
    panel = await browser.openPanel({ panel: 'results', protocol: resultsProtocol, theme });
    await panel.waitForReady();
    panel.host.notify(showRunNotification, run([statement('r1', columns, rows.length)]));
    for (let i = 0; i < rows.length; i += pageSize) panel.host.notify(appendRowsNotification, page('r1', i, rows.slice(i, i + pageSize)));
    await panel.settle();
    return panel.page;
  }

  const cellText = (row: number, c: number) => panel.page.locator(`.grid-row[data-row="${row}"] .cell[data-col="${c}"]`).textContent();
  const domRows = () => panel.page.locator('.grid-row:not([hidden])').count();
  const column = async (c: number, n: number) => Promise.all(Array.from({ length: n }, (_, r) => cellText(r, c)));

  it('keeps only visible rows in the DOM for 100,000 rows, and scrolling to the bottom shows the last row', async () => {
    const p = await show(productColumns, productRows(100_000));
    assert.equal(await p.locator('.result-count').textContent(), '100,000 rows');
    assert.ok((await domRows()) < 200, `DOM rows: ${await domRows()}`);
    await p.locator('.grid-scroll').evaluate((e) => (e.scrollTop = e.scrollHeight));
    await panel.settle();
    assert.equal(await p.locator('.grid-row[data-row="99999"] .gutter').textContent(), '100000');
    assert.equal(await cellText(99999, 0), '100000');
    assert.ok(await p.locator('.grid-row[data-row="99999"]').isVisible());
    assert.ok((await domRows()) < 200, `DOM rows at the bottom: ${await domRows()}`);
  });

  it('shows NULL distinctly, right-aligns numbers, and shows each column’s type', async () => {
    const p = await show();
    const nullCell = p.locator('.grid-row[data-row="0"] .cell[data-col="6"]');
    assert.equal(await nullCell.textContent(), 'NULL');
    assert.equal(await nullCell.evaluate((e) => getComputedStyle(e).fontStyle), 'italic');
    assert.equal(await cellText(1, 6), 'restock weekly');
    assert.equal(await p.locator('.grid-row[data-row="0"] .cell[data-col="2"]').evaluate((e) => getComputedStyle(e).textAlign), 'right');
    assert.notEqual(await p.locator('.grid-row[data-row="0"] .cell[data-col="1"]').evaluate((e) => getComputedStyle(e).textAlign), 'right');
    assert.equal(await p.locator('.hcell[data-col="2"] .htype').textContent(), 'numeric');
  });

  it('sorts numerically (not as text), descending on the second click, and back to arrival order on the third', async () => {
    const cols = [col('n', 'int8', 'number', 20), col('label', 'text', 'text', 25)];
    const rows: Cell[][] = [['10', 'item10'], ['9', 'item9'], [null, 'none'], ['100', 'item100'], ['-2', 'item-2']];
    const p = await show(cols, rows);
    const header = p.locator('.hcell[data-col="0"]');
    await header.click();
    assert.deepEqual(await column(0, 5), ['-2', '9', '10', '100', 'NULL']);
    assert.equal(await header.getAttribute('aria-sort'), 'ascending');
    await header.click();
    assert.deepEqual(await column(0, 5), ['NULL', '100', '10', '9', '-2']);
    await header.click();
    assert.deepEqual(await column(0, 5), ['10', '9', 'NULL', '100', '-2']);
    // text sorts naturally: item9 before item10
    await p.locator('.hcell[data-col="1"]').click();
    assert.deepEqual(await column(1, 5), ['item-2', 'item9', 'item10', 'item100', 'none']);
  });

  it('filters rows containing the text, and says how many of all rows match', async () => {
    const p = await show(productColumns, productRows(5000));
    await p.locator('vscode-textfield.result-filter').click();
    await p.keyboard.type('burr grinder 12');
    await p.keyboard.press('Enter');
    await panel.settle();
    assert.equal(await p.locator('.result-count').textContent(), '11 of 5,000 rows');
    const names = await column(1, 11);
    assert.ok(names.every((n) => n!.startsWith('Burr grinder 12')), names.join(', '));
  });

  it('copies a cell, a range and a whole row as TSV (keyboard and context menu)', async () => {
    const cols = [col('id', 'int4', 'number'), col('note', 'text', 'text'), col('maybe', 'text', 'text')];
    const rows: Cell[][] = [[1, 'plain', null], [2, 'tab\there', 'x'], [3, 'say "hi"', 'y']];
    const p = await show(cols, rows);
    await p.locator('.grid-row[data-row="0"] .cell[data-col="0"]').click();
    await p.keyboard.press('Control+c');
    await p.keyboard.press('Shift+ArrowDown');
    await p.keyboard.press('Shift+ArrowDown');
    await p.keyboard.press('Shift+ArrowRight');
    await p.keyboard.press('Control+c');
    // right-click outside the selection moves it there, as in a spreadsheet
    await p.locator('.grid-row[data-row="0"] .cell[data-col="2"]').click({ button: 'right' });
    await p.getByRole('menuitem', { name: 'Copy Row' }).click();
    await panel.settle();
    assert.deepEqual(await panel.clipboard(), ['1', '1\tplain\n2\t"tab\there"\n3\t"say ""hi"""', '1\tplain\t']);
  });

  it('moves the selection with the keyboard: arrows, Home/End, PageDown, Ctrl+End, Ctrl+A', async () => {
    const p = await show(productColumns, productRows(1000));
    const focused = () => p.locator('.cell.focused').evaluate((e) => [Number(e.parentElement!.dataset.row), Number(e.dataset.col)]);
    await p.locator('.grid-row[data-row="0"] .cell[data-col="0"]').click();
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowRight');
    assert.deepEqual(await focused(), [1, 1]);
    await p.keyboard.press('End');
    assert.deepEqual(await focused(), [1, 6]);
    await p.keyboard.press('Home');
    assert.deepEqual(await focused(), [1, 0]);
    await p.keyboard.press('PageDown');
    const [afterPage] = await focused();
    assert.ok(afterPage! > 5, `PageDown moved to row ${afterPage}`);
    await p.keyboard.press('Control+End');
    assert.deepEqual(await focused(), [999, 6]);
    assert.ok(await p.locator('.grid-row[data-row="999"]').isVisible(), 'the focused last row is scrolled into view');
    await p.keyboard.press('Control+a');
    await p.keyboard.press('Control+c');
    const [all] = await panel.clipboard();
    assert.equal(all!.split('\n').length, 1000);
  });

  it('opens the row detail with Enter, with JSON pretty-printed, and closes it with Escape', async () => {
    const p = await show();
    await p.locator('.grid-row[data-row="2"] .cell[data-col="1"]').dblclick();
    const detail = p.locator('.row-detail');
    assert.ok(await detail.isVisible());
    assert.equal(await p.locator('.row-detail-title').textContent(), 'Row 3');
    const json = p.locator('.row-detail-value.json');
    assert.equal(await json.textContent(), JSON.stringify(JSON.parse(productRows(3)[2]![4] as string), null, 2));
    await p.keyboard.press('Escape');
    assert.ok(await detail.isHidden());
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('Enter');
    assert.equal(await p.locator('.row-detail-title').textContent(), 'Row 4');
  });

  it('resizes a column by dragging its header edge', async () => {
    const p = await show();
    const header = p.locator('.hcell[data-col="1"]');
    const before = (await header.boundingBox())!;
    const handle = (await p.locator('.hcell[data-col="1"] .hresize').boundingBox())!;
    await p.mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await p.mouse.down();
    await p.mouse.move(handle.x + 83, handle.y + 5, { steps: 4 });
    await p.mouse.up();
    const after = (await header.boundingBox())!;
    assert.ok(Math.abs(after.width - (before.width + 80)) <= 2, `width ${before.width} → ${after.width}`);
    const cell = (await p.locator('.grid-row[data-row="0"] .cell[data-col="1"]').boundingBox())!;
    assert.equal(Math.round(cell.width), Math.round(after.width));
    assert.equal(await header.getAttribute('aria-sort'), 'none', 'the drag did not sort');
  });

  it('looks right in a dark and a light theme (screenshots)', async () => {
    for (const theme of ['dark', 'light'] as const) {
      const p = await show(productColumns, productRows(500), theme);
      await p.locator('.grid-row[data-row="1"] .cell[data-col="2"]').click();
      await p.keyboard.press('Shift+ArrowDown');
      await p.keyboard.press('Shift+ArrowDown');
      await p.keyboard.press('Enter');
      await panel.settle();
      await p.screenshot({ path: path.join(screenshots, `results-${theme}.png`) });
      assert.deepEqual(await panel.cspViolations(), []);
      assert.deepEqual(panel.consoleErrors, []);
      await panel.close();
    }
  });
});
