import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { discardOpRequest, queueProtocol, queueSnapshotNotification, retryOpRequest, selectReplicaRequest } from '../../src/protocol/queueProtocol';
import { repoRoot } from './buildWebviews';
import { Browser, waitFor, type PanelPage } from './harness';
import { op, queueSnapshot } from './replicationFixtures';
import type { ThemeKind } from './themes';

const screenshots = path.join(repoRoot, '.artifacts', 'screenshots');

describe('webview: queue inspector', function () {
  let browser: Browser;
  let panel: PanelPage;
  let calls: string[];
  /** What the host answers to a discard (the real host asks the engine, which may refuse). */
  let discardReply: (opId: string) => boolean;

  before(async () => {
    browser = await Browser.launch();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => browser?.close());

  async function open(theme: ThemeKind = 'dark') {
    panel = await browser.openPanel({ panel: 'queue', protocol: queueProtocol, theme });
    calls = [];
    discardReply = () => false;
    panel.host.handle(retryOpRequest, (p) => void calls.push(`retry ${p.opId}`));
    panel.host.handle(discardOpRequest, (p) => (calls.push(`discard ${p.opId}`), discardReply(p.opId)));
    panel.host.handle(selectReplicaRequest, (p) => void calls.push(`replica ${p.replica}`));
    await panel.waitForReady();
    panel.host.notify(queueSnapshotNotification, queueSnapshot());
    await panel.settle();
    await panel.page.setViewportSize({ width: 1100, height: 480 });
    return panel.page;
  }
  afterEach(async () => {
    assert.deepEqual(await panel.cspViolations(), []);
    assert.deepEqual(panel.consoleErrors, []);
    await panel?.close();
  });

  for (const theme of ['dark', 'light'] as const) {
    it(`lists every op with kind, key, status, retries and HLC, and the selected op's diff (${theme})`, async () => {
      const p = await open(theme);
      assert.deepEqual(await p.locator('tr.op td:nth-child(2)').allInnerTexts(), ['shop1:1', 'shop1:2', 'shop1:3', 'shop1:4', 'shop1:5']);
      assert.deepEqual((await p.locator('tr.op td.status').allInnerTexts()).map((s) => s.trim()), ['applied', 'pending', 'rejected', 'failed', 'conflict']);
      await p.locator('tr.op', { hasText: 'shop1:3' }).click();
      await panel.settle();
      assert.match(await p.locator('.facts').innerText(), /violates check constraint "product_price_check"/);
      assert.deepEqual(await p.locator('.diff tr.changed-row th').allInnerTexts(), ['price']);
      assert.deepEqual(await p.locator('.diff tr.changed-row td').allInnerTexts(), ['24', '-1']);
      await p.screenshot({ path: path.join(screenshots, `queue-inspector-${theme}.png`) });
    });
  }

  it('filters by status and by table', async () => {
    const p = await open();
    panel.host.notify(queueSnapshotNotification, queueSnapshot({ ops: [...queueSnapshot().ops, op({ opId: 'shop1:6', seq: 6, table: 'orders', key: 'id=1', status: 'pending' })] }));
    await panel.settle();
    await p.locator('button.chip.status-pending').click();
    assert.deepEqual(await p.locator('tr.op td:nth-child(2)').allInnerTexts(), ['shop1:2', 'shop1:6']);
    await p.locator('select.table-filter').selectOption('orders');
    assert.deepEqual(await p.locator('tr.op td:nth-child(2)').allInnerTexts(), ['shop1:6']);
    await p.locator('button.chip', { hasText: 'All' }).click();
    assert.deepEqual(await p.locator('tr.op td:nth-child(2)').allInnerTexts(), ['shop1:6']);
  });

  it('retries a failed op, asks the host to discard a pending one, and cannot retry an applied one', async () => {
    const p = await open();
    await p.locator('tr.op', { hasText: 'shop1:1' }).click();
    assert.equal(await p.locator('vscode-button.retry').getAttribute('disabled'), '');
    await p.locator('tr.op', { hasText: 'shop1:4' }).click();
    await p.locator('vscode-button.retry').click();
    await p.locator('tr.op', { hasText: 'shop1:2' }).click();
    await p.locator('vscode-button.discard').click();
    await waitFor(() => calls.length === 2, 'two requests');
    assert.deepEqual(calls, ['retry shop1:4', 'discard shop1:2']);
  });

  it('updates live from each new snapshot and keeps the selected op', async () => {
    const p = await open();
    await p.locator('tr.op', { hasText: 'shop1:2' }).click();
    const next = queueSnapshot();
    panel.host.notify(queueSnapshotNotification, { ...next, online: true, ops: next.ops.map((o) => (o.opId === 'shop1:2' ? { ...o, status: 'applied' as const } : o)) });
    await panel.settle();
    assert.equal(await p.locator('tr.op.selected td:nth-child(2)').innerText(), 'shop1:2');
    assert.match(await p.locator('.facts').innerText(), /applied/);
    assert.match(await p.locator('.state').innerText(), /online/);
    assert.equal(await p.locator('vscode-button.discard').getAttribute('disabled'), '', 'an applied op cannot be discarded');
  });

  it('is usable from the keyboard: arrows move the selection', async () => {
    const p = await open();
    await p.locator('tr.op', { hasText: 'shop1:1' }).focus();
    await p.keyboard.press('ArrowDown');
    await p.keyboard.press('ArrowDown');
    await panel.settle();
    assert.equal(await p.locator('tr.op.selected td:nth-child(2)').innerText(), 'shop1:3');
    assert.match(await p.locator('.op-detail h1').innerText(), /shop1:3/);
  });
  it('can discard a failed op too, and shows the engine refusal as an error', async () => {
    const p = await open();
    discardReply = (opId) => {
      throw new Error(`Discard the later op on this row first (shop1:5): it was written on top of ${opId}.`);
    };
    await p.locator('tr.op', { hasText: 'shop1:3' }).click();
    await panel.settle();
    assert.equal(await p.locator('vscode-button.discard').getAttribute('disabled'), '', 'a rejected op was decided by the hub: no discard');
    await p.locator('tr.op', { hasText: 'shop1:4' }).click();
    await panel.settle();
    assert.equal(await p.locator('vscode-button.discard').getAttribute('disabled'), null, 'a failed op never reached the hub');
    await p.locator('vscode-button.discard').click();
    await waitFor(() => calls.length === 1, 'the request');
    await panel.settle();
    assert.match(await p.locator('.error-bar').innerText(), /Discard the later op on this row first \(shop1:5\)/);
  });
});
