import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import {
  applyStrategyRequest,
  conflictsProtocol,
  conflictsSnapshotNotification,
  resolveConflictRequest,
  selectConflictRequest,
  stepRequest,
  whatIfRequest,
} from '../../src/protocol/conflictsProtocol';
import { repoRoot } from './buildWebviews';
import { Browser, waitFor, type PanelPage } from './harness';
import { conflictDetail, conflictsSnapshot } from './replicationFixtures';
import type { ThemeKind } from './themes';

const screenshots = path.join(repoRoot, '.artifacts', 'screenshots');

describe('webview: conflict inspector', function () {
  let browser: Browser;
  let panel: PanelPage;
  /** Requests the page made, in order, as "method payload". */
  let calls: string[];

  before(async () => {
    browser = await Browser.launch();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => browser?.close());

  async function open(theme: ThemeKind = 'dark', snapshot = conflictsSnapshot()) {
    panel = await browser.openPanel({ panel: 'conflicts', protocol: conflictsProtocol, theme });
    calls = [];
    const log = (method: string) => (p: unknown) => void calls.push(`${method} ${JSON.stringify(p)}`);
    panel.host.handle(stepRequest, log('step'));
    panel.host.handle(selectConflictRequest, log('select'));
    panel.host.handle(applyStrategyRequest, log('apply'));
    panel.host.handle(resolveConflictRequest, log('resolve'));
    panel.host.handle(whatIfRequest, log('whatIf'));
    await panel.waitForReady();
    panel.host.notify(conflictsSnapshotNotification, snapshot);
    await panel.settle();
    return panel.page;
  }
  afterEach(async () => {
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.consoleErrors, []);
    await panel?.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`shows base, hub and incoming side by side with changed cells marked (${theme})`, async () => {
      const p = await open(theme);
      await p.setViewportSize({ width: 1100, height: 720 });
      assert.equal(await p.locator('.title h1').textContent(), '#1 update_origin_differs');
      assert.match((await p.locator('.explanation').textContent())!, /changed at the hub since this replica last saw it/);
      const rows = await p.locator('table.compare tbody tr').allInnerTexts();
      assert.deepEqual(rows.map((r) => r.split('\t').map((x) => x.trim())), [
        ['sku', 'A-100', 'A-100', 'A-100', 'A-100'],
        ['name', 'Espresso cup', 'Espresso cup', 'Espresso cup (white)', 'Espresso cup'],
        ['price', '4.5', '4', '5', '4'],
        ['stock', '40', '38', '40', '38'],
      ]);
      // price changed on both sides (a clash); name only at the replica; stock only at the hub
      assert.deepEqual(await p.locator('tr.clash th').allInnerTexts(), ['price']);
      assert.deepEqual(await p.locator('td.incoming.changed').allInnerTexts(), ['Espresso cup (white)', '5']);
      assert.deepEqual(await p.locator('td.hub.changed').allInnerTexts(), ['4', '38']);
      assert.equal(await p.locator('.strategy').count(), 6);
      assert.deepEqual(await p.locator('.conflict-item .item-title').allInnerTexts(), ['#1 update_origin_differs', '#2 delete_origin_differs', '#3 insert_exists']);
      await p.screenshot({ path: path.join(screenshots, `conflict-inspector-${theme}.png`) });
    });
  }

  it('previews a strategy before applying it, and applies exactly that strategy', async () => {
    const p = await open();
    await p.locator('.strategy', { hasText: 'field merge' }).click();
    await panel.settle();
    assert.equal(await p.locator('thead .result-col').innerText(), 'Preview: field merge');
    assert.deepEqual((await p.locator('td.result').allInnerTexts()).map((x) => x.trim()), ['A-100', 'Espresso cup (white)', '4', '38']);
    assert.deepEqual(calls, [], 'choosing a strategy applies nothing');
    await p.locator('vscode-button.apply').click();
    await waitFor(() => calls.length === 1, 'the apply request');
    assert.deepEqual(calls, ['apply {"id":1,"strategy":"field_merge"}']);
  });

  it('resolves by hand: take hub, take incoming, or an edited merged row with its types kept', async () => {
    const p = await open();
    await p.locator('vscode-button.take-hub').click();
    await p.locator('vscode-button.take-incoming').click();
    await waitFor(() => calls.length === 2, 'two resolve requests');
    // editing starts from the previewed row (last writer wins keeps the hub's stock of 38)
    await p.locator('vscode-button.edit-merged').click();
    await p.getByLabel('price in the merged row').fill('4.75');
    await p.getByLabel('name in the merged row').fill('Espresso cup (white)');
    await p.locator('vscode-button.apply-edit').click();
    await waitFor(() => calls.length === 3, 'the edited-row request');
    assert.deepEqual(calls, [
      'resolve {"id":1,"take":"hub"}',
      'resolve {"id":1,"take":"incoming"}',
      'resolve {"id":1,"take":{"row":{"sku":"A-100","name":"Espresso cup (white)","price":4.75,"stock":38}}}',
    ]);
  });

  it('step controls: F10, Shift+F10, F5, Shift+F5 and the toolbar send the matching step requests', async () => {
    const p = await open();
    await p.locator('.title h1').click();
    for (const key of ['F10', 'Shift+F10', 'F5', 'Shift+F5']) await p.keyboard.press(key);
    await p.locator('vscode-toolbar-button.step-step').click();
    await waitFor(() => calls.length === 5, 'five step requests');
    assert.deepEqual(calls, [
      'step {"action":"step"}',
      'step {"action":"stepToConflict"}',
      'step {"action":"continue"}',
      'step {"action":"stop"}',
      'step {"action":"step"}',
    ]);
  });

  it('without a paused sync the step keys do nothing; Alt+Down moves to the next conflict', async () => {
    const p = await open('dark', conflictsSnapshot({ stepping: null }));
    await p.locator('.title h1').click();
    await p.keyboard.press('F10');
    await p.keyboard.press('Alt+ArrowDown');
    await waitFor(() => calls.length === 1, 'the select request');
    assert.deepEqual(calls, ['select {"id":2}']);
    assert.equal(await p.locator('vscode-toolbar-button.step-step').getAttribute('disabled'), '');
  });

  it('shows a resolved conflict and the what-if comparison', async () => {
    const done = conflictDetail({ id: 3, open: false, outcome: 'resolved_manually', strategy: 'manual', result: { sku: 'A-100', name: 'Espresso cup (white)', price: 5, stock: 40 }, decidedBy: 'Resolved by hand: took incoming.' });
    const p = await open('dark', conflictsSnapshot({
      current: done,
      stepping: null,
      whatIf: { conflictId: 3, strategy: 'last_writer_wins', table: 'product', skippedSteps: 1, diffs: [{ key: 'sku="A-100"', actual: { sku: 'A-100', price: 5 }, alternative: { sku: 'A-100', price: 4 } }] },
    }));
    assert.equal(await p.locator('thead .result-col').innerText(), 'Hub now');
    assert.equal(await p.locator('vscode-button.apply').count(), 0, 'a resolved conflict cannot be applied again');
    assert.match(await p.locator('.what-if-result').innerText(), /Under last writer wins[\s\S]*price: 4/);
    await p.locator('.strategy', { hasText: 'hub wins' }).click();
    await p.locator('vscode-button.what-if').click();
    await waitFor(() => calls.length === 1, 'the what-if request');
    assert.deepEqual(calls, ['whatIf {"id":3,"strategy":"hub_wins"}']);
    await p.setViewportSize({ width: 1100, height: 720 });
    await p.screenshot({ path: path.join(screenshots, 'conflict-inspector-what-if-dark.png') });
  });
});
