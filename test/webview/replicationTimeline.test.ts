import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { openConflictRequest, timelineProtocol, timelineSnapshotNotification } from '../../src/protocol/timelineProtocol';
import { repoRoot } from './buildWebviews';
import { Browser, waitFor, type PanelPage } from './harness';
import { timelineSnapshot } from './replicationFixtures';
import type { ThemeKind } from './themes';

const screenshots = path.join(repoRoot, '.artifacts', 'screenshots');

describe('webview: timeline', function () {
  let browser: Browser;
  let panel: PanelPage;
  let opened: number[];

  before(async () => {
    browser = await Browser.launch();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => browser?.close());

  async function open(theme: ThemeKind = 'dark') {
    panel = await browser.openPanel({ panel: 'timeline', protocol: timelineProtocol, theme });
    opened = [];
    panel.host.handle(openConflictRequest, ({ id }) => void opened.push(id));
    await panel.waitForReady();
    panel.host.notify(timelineSnapshotNotification, timelineSnapshot());
    await panel.settle();
    await panel.page.setViewportSize({ width: 1100, height: 440 });
    return panel.page;
  }
  afterEach(async () => {
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.consoleErrors, []);
    await panel?.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`puts every event in its replica's lane, in order (${theme})`, async () => {
      const p = await open(theme);
      assert.deepEqual((await p.locator('thead th.lane').allInnerTexts()).map((s) => s.trim()), ['hub', 'shop1', 'shop2', 'shop3 (removed)']);
      assert.equal(await p.locator('tr.event').count(), 14);
      // event 8 (a conflict on shop1) sits in the second lane
      const row = p.locator('tr.event', { has: p.locator('td.seq', { hasText: /^8$/ }) });
      assert.deepEqual(await row.locator('td.lane').evaluateAll((tds) => tds.map((td) => td.classList.contains('on'))), [false, true, false, false]);
      await p.locator('tr.event').nth(7).click();
      await panel.settle();
      await p.screenshot({ path: path.join(screenshots, `timeline-${theme}.png`) });
    });
  }

  it('filters by lane, by type and by search text', async () => {
    const p = await open();
    await p.locator('button.lane-toggle', { hasText: 'shop2' }).click();
    assert.equal(await p.locator('tr.event').count(), 10);
    await p.locator('select.type-filter').selectOption('sync_started');
    assert.deepEqual(await p.locator('tr.event td.seq').allInnerTexts(), ['7']);
    await p.locator('select.type-filter').selectOption('');
    await p.locator('input.search').fill('kept_local');
    assert.deepEqual(await p.locator('tr.event td.seq').allInnerTexts(), ['10']);
    assert.equal(await p.locator('input.search').evaluate((el) => el === document.activeElement), true, 'typing keeps focus in the search box');
  });

  it('shows a replica added and removed in its own lane, with an icon, a label and the details', async () => {
    const p = await open();
    const rowOf = (seq: number) => p.locator('tr.event', { has: p.locator('td.seq', { hasText: new RegExp(`^${seq}$`) }) });
    for (const [seq, label, codicon] of [[13, /replica added: a copy of the hub/, 'codicon-add'], [14, /replica removed: 1 queued op\(s\) lost/, 'codicon-trash']] as const) {
      const row = rowOf(seq);
      assert.deepEqual(await row.locator('td.lane').evaluateAll((tds) => tds.map((td) => td.classList.contains('on'))), [false, false, false, true], `event ${seq} in shop3's lane`);
      assert.match(await row.locator('td.lane.on').innerText(), label);
      assert.equal(await row.locator(`td.lane.on .codicon.${codicon}`).count(), 1, `event ${seq} shows ${codicon}`);
    }
    await p.locator('select.type-filter').selectOption('replica_removed');
    assert.deepEqual(await p.locator('tr.event td.seq').allInnerTexts(), ['14']);
    await p.locator('select.type-filter').selectOption('');
    await rowOf(14).click();
    await panel.settle();
    const detail = await p.locator('.event-detail').innerText();
    assert.match(detail, /replica removed/i);
    assert.match(detail, /lostOps\s+1/);
    assert.match(detail, /Lane\s+shop3/);
  });

  it('shows an event’s details and opens its conflict in the inspector (click or Enter)', async () => {
    const p = await open();
    await p.locator('tr.event', { has: p.locator('td.seq', { hasText: /^8$/ }) }).click();
    await panel.settle();
    assert.match(await p.locator('.event-detail').innerText(), /conflict detected[\s\S]*update_origin_differs/);
    await p.locator('vscode-button.open-conflict').click();
    await p.locator('tr.event', { has: p.locator('td.seq', { hasText: /^9$/ }) }).focus();
    await p.keyboard.press('Enter');
    await waitFor(() => opened.length === 2, 'two open-conflict requests');
    assert.deepEqual(opened, [1, 1]);
  });
});
