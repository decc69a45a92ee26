import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../src/extension';
import type { ReplicationNode } from '../../src/vscode/replication/replicationTree';

const EXTENSION_ID = 'sync-playground.sync-playground-postgres';

/** Polls until `cond` holds (the tree refreshes from snapshots built asynchronously). */
async function until<T>(what: string, get: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Replication playground in VS Code', function () {
  this.timeout(180_000);
  let api: ExtensionApi;
  const run = (command: string, ...args: unknown[]) => vscode.commands.executeCommand(`syncPlayground.${command}`, ...args);

  /** What the Replication view shows: each database's label and description, and its children's labels. */
  function tree() {
    const t = api.replication.tree;
    const label = (n: ReplicationNode) => String(t.getTreeItem(n).label);
    return t.getChildren().map((db) => ({
      label: label(db),
      description: String(t.getTreeItem(db).description ?? ''),
      children: t.getChildren(db).map((c) => ({ label: label(c), description: String(t.getTreeItem(c).description ?? ''), children: t.getChildren(c).map(label) })),
    }));
  }
  const replicaRow = (name: string) => tree().find((r) => r.label === name);

  before(async () => {
    const ext = vscode.extensions.getExtension<ExtensionApi>(EXTENSION_ID)!;
    api = await ext.activate();
  });
  after(async () => {
    await api?.replication.store.close(true);
  });

  it('creates a playground from a sample: the tree shows the hub and both replicas with their tables', async () => {
    assert.equal(await run('createPlayground', 'inventory'), 'inventory');
    const rows = await until('the tree', () => api.replication.tree.snapshot && tree());
    assert.deepEqual(rows.map((r) => r.label), ['hub', 'shop1', 'shop2']);
    assert.equal(replicaRow('shop1')!.description, 'online');
    assert.deepEqual(rows[0]!.children.map((c) => `${c.label}: ${c.description}`), ['product: 3 rows', 'Conflicts: 0 so far, none open']);
  });

  it('offline writes on both replicas show as pending; syncing both parks a conflict that appears in the tree', async () => {
    await run('goOffline', 'shop1');
    await run('runSqlOnDatabase', 'shop1', "UPDATE product SET price = 5.00 WHERE sku = 'A-100'");
    await run('runSqlOnDatabase', 'shop2', "UPDATE product SET price = 4.00 WHERE sku = 'A-100'");
    await until('shop1 offline with 1 pending', () => replicaRow('shop1')?.description === 'offline · 1 pending');
    await run('syncReplica', 'shop2');
    await run('goOnline', 'shop1');
    await run('syncReplica', 'shop1');
    const shop1 = await until('the conflict in the tree', () => {
      const r = replicaRow('shop1');
      return r?.description.includes('1 conflict') && r;
    });
    const conflicts = shop1.children.find((c) => c.label === 'Conflicts')!;
    assert.equal(conflicts.description, '1 open');
    assert.deepEqual(conflicts.children, ['#1 update_origin_differs']);
  });

  it('the conflict inspector previews and resolves the conflict; the tree and the hub follow', async () => {
    await run('openConflicts');
    const panel = api.replication.conflictsPanel!;
    assert.ok(panel, 'the conflict inspector is open');
    const snap = await panel.inspector.snapshot();
    assert.equal(snap.current?.type, 'update_origin_differs');
    assert.deepEqual([snap.current?.hub?.price, snap.current?.incoming?.price], [4, 5]);
    assert.equal(snap.current?.previews.find((p) => p.strategy === 'replica_wins')?.row?.price, 5, 'the preview shows the row before anything is applied');

    await panel.inspector.resolve(snap.current!.id, 'incoming');
    await until('the tree without open conflicts', () => !replicaRow('shop1')?.description.includes('conflict') && tree()[0]!.children.at(-1)!.description === '1 so far, none open');
    const hub = await api.replication.requireSession().runSql('hub', "SELECT price::text AS price FROM product WHERE sku = 'A-100'");
    assert.equal(hub[0]!.rows[0]!.price, '5.00');
    assert.equal((await panel.inspector.snapshot()).conflicts[0]!.open, false);
  });

  it('opens a table from the tree in the results panel, and replicas are SQL targets', async () => {
    const t = api.replication.tree;
    const hub = t.getChildren()[0]!;
    const table = t.getChildren(hub).find((n) => n.type === 'table')!;
    await run('openPlaygroundTable', table);
    await api.query.idle();
    const last = api.query.lastRun()!;
    assert.equal(last.state, 'done');
    assert.equal(last.statements[0]!.rowsLoaded, 3);
    assert.deepEqual(
      api.query.targets.list().filter((x) => /^(replica:|replication:)/.test(x.id)).map((x) => x.id),
      ['replication:hub', 'replica:shop1', 'replica:shop2'],
    );
  });

  it('sets a conflict rule and exports the steps taken, the rule change among them, as a scenario file', async () => {
    await run('setConflictRules', { table: 'product', conflict: 'delete_origin_differs', strategy: 'hub_wins' });
    assert.equal(api.replication.requireSession().playground.strategyFor('product', 'delete_origin_differs'), 'hub_wins');
    const file = vscode.Uri.file(path.join(mkdtempSync(path.join(tmpdir(), 'export-')), 'inventory.syncscenario.json'));
    await run('exportScenario', file);
    const json = JSON.parse(readFileSync(file.fsPath, 'utf8')) as { rules: unknown[]; steps: Record<string, unknown>[] };
    // the rules the playground started with, and the change as a step at the point it was made
    assert.deepEqual(json.rules, [{ strategy: 'manual' }]);
    assert.deepEqual(json.steps.map((s) => Object.keys(s)[0]), ['offline', 'replica', 'replica', 'sync', 'online', 'sync', 'resolve', 'rules']);
    assert.deepEqual(json.steps.at(-1), { rules: [{ strategy: 'manual' }, { table: 'product', conflict: 'delete_origin_differs', strategy: 'hub_wins' }] });
  });

  it('adds a replica: a copy of the hub, in place (no rebuild), it syncs, open panels stay', async () => {
    assert.ok(api.replication.conflictsPanel, 'the inspector is open from the test above');
    await run('addReplica', 'shop3');
    await until('shop3 in the tree', () => replicaRow('shop3'));
    await run('syncReplica', 'shop3');
    const shop3 = await until('shop3 synced', () => {
      const r = replicaRow('shop3');
      return r?.children[0]?.description === '3 rows' && r;
    });
    assert.equal(shop3.description, 'online');
    const hub = await api.replication.requireSession().runSql('shop3', "SELECT price::text AS price FROM product WHERE sku = 'A-100'");
    assert.equal(hub[0]!.rows[0]!.price, '5.00', 'the resolved price reached the new replica');
    assert.ok(api.replication.conflictsPanel, 'the conflict inspector is still open');
    // the timeline says when it joined, and an exported scenario adds it at the same point
    assert.deepEqual((await api.replication.requireSession().timeline({ types: ['replica_added'] })).map((e) => e.replica), ['shop3']);
    const file = vscode.Uri.file(path.join(mkdtempSync(path.join(tmpdir(), 'export-')), 'inventory.syncscenario.json'));
    await run('exportScenario', file);
    const json = JSON.parse(readFileSync(file.fsPath, 'utf8')) as { replicas: { name: string }[]; steps: Record<string, unknown>[] };
    assert.deepEqual(json.replicas.map((r) => r.name), ['shop1', 'shop2']);
    assert.deepEqual(json.steps.slice(-2), [{ addReplica: 'shop3' }, { sync: 'shop3' }]);
  });

  it('Set Link Conditions (argument instead of the pick) puts a replica behind a flaky link: the tree says so, its sync retries and gets through, the export has the step', async () => {
    const session = api.replication.requireSession();
    const started = async () => (await session.timeline({ replica: 'shop2', types: ['sync_started'] })).length;
    assert.deepEqual(await run('setLinkConditions', 'shop2', { dropRate: 0.3, seed: 7 }), { dropRate: 0.3, latencyMs: 0, lose: 'request', seed: 7 });
    await until('the flaky link in the tree', () => replicaRow('shop2')?.description === 'online · flaky 30%');
    await run('runSqlOnDatabase', 'shop2', "INSERT INTO product VALUES ('D-400', 'Sugar bowl', 6.50, 8)");
    const before = await started();
    const summary = (await run('syncReplica', 'shop2')) as { skipped: boolean } | undefined;
    assert.equal(summary?.skipped, false, 'the sync completed');
    assert.ok((await started()) - before > 1, 'the link lost a round trip: the sync was tried again');
    const hub = await session.runSql('hub', "SELECT price::text AS price FROM product WHERE sku = 'D-400'");
    assert.equal(hub[0]!.rows[0]?.price, '6.50', 'the insert reached the hub');
    assert.deepEqual((await session.queue('shop2')).filter((o) => o.status === 'pending' || o.status === 'sent'), [], 'nothing left queued');

    // bad conditions: refused with the field named, the link unchanged
    assert.equal(await run('setLinkConditions', 'shop2', { dropRate: 3 }), undefined);
    assert.deepEqual(session.playground.link('shop2'), { dropRate: 0.3, latencyMs: 0, lose: 'request', seed: 7 });
    await run('setLinkConditions', 'shop2', { latencyMs: 200 });
    await until('the slow link in the tree', () => replicaRow('shop2')?.description === 'online · slow 200 ms');
    await run('setLinkConditions', 'shop2', null);
    await until('the perfect link again', () => replicaRow('shop2')?.description === 'online');

    const file = vscode.Uri.file(path.join(mkdtempSync(path.join(tmpdir(), 'export-')), 'inventory.syncscenario.json'));
    await run('exportScenario', file);
    const json = JSON.parse(readFileSync(file.fsPath, 'utf8')) as { steps: Record<string, unknown>[] };
    assert.deepEqual(json.steps.filter((st) => 'link' in st), [
      { link: { replica: 'shop2', dropRate: 0.3, seed: 7 } },
      { link: { replica: 'shop2', latencyMs: 200 } },
      { link: { replica: 'shop2', off: true } },
    ]);
  });

  it('opens a sample scenario and plays it step by step from the tree', async () => {
    // (runs last: it replaces the playground above)
    const file = vscode.Uri.joinPath(vscode.extensions.getExtension(EXTENSION_ID)!.extensionUri, 'scenarios', 'todo-app.syncscenario.json');
    await run('openScenario', file);
    const scenarioRow = () => api.replication.tree.getChildren().find((n) => n.type === 'scenario');
    const description = () => String(api.replication.tree.getTreeItem(scenarioRow()!).description);
    await until('the scenario row', () => scenarioRow());
    assert.match(description(), /^step 1 of \d+: /);
    await run('playScenarioStep');
    await run('playScenarioStep');
    assert.match(description(), /^step 3 of \d+: /);
    assert.equal(api.replication.requireSession().recording().steps.length, 2);
  });

});
