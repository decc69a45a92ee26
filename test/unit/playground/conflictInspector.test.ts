import * as assert from 'node:assert/strict';
import { ConflictInspector } from '../../../src/core/playground/conflictInspector';
import { HUB, PlaygroundSession, type PlaygroundDatabases } from '../../../src/core/playground/playgroundSession';
import { queueSnapshot } from '../../../src/core/playground/queueView';
import { PLAYGROUND_SAMPLES } from '../../../src/core/playground/samples';
import { timelineSnapshot } from '../../../src/core/playground/timelineView';
import { conflictsSnapshotSchema } from '../../../src/protocol/conflictsProtocol';
import { queueSnapshotSchema } from '../../../src/protocol/queueProtocol';
import { timelineSnapshotSchema } from '../../../src/protocol/timelineProtocol';
import { openPgliteFromTemplate } from '../../../src/db/template';

const databases: PlaygroundDatabases = { open: () => openPgliteFromTemplate() };
const inventory = PLAYGROUND_SAMPLES.find((s) => s.id === 'inventory')!.setup;

describe('ConflictInspector and the panel snapshots', function () {
  this.timeout(180_000);
  let session: PlaygroundSession;
  let inspector: ConflictInspector;

  before(async () => {
    session = await PlaygroundSession.create(inventory, databases);
    inspector = new ConflictInspector(session, openPgliteFromTemplate);
    await session.setOnline('shop1', false);
    await session.runSql('shop1', "UPDATE product SET price = 5.00, name = 'Espresso cup (white)' WHERE sku = 'A-100'");
    await session.runSql('shop2', "UPDATE product SET price = 4.00, stock = 38 WHERE sku = 'A-100'");
    await session.sync('shop2');
    await session.setOnline('shop1', true);
  });
  after(async () => {
    inspector?.dispose();
    await session?.close();
  });

  it('steps a sync to its conflict like a debugger and shows that conflict, with every strategy previewed', async () => {
    session.startStepSync('shop1');
    await inspector.step('step');
    let s = await inspector.snapshot();
    assert.equal(s.stepping?.done, false);
    assert.match(s.stepping!.lastEvent!, /^sync started/);
    assert.equal(s.current, null, 'no conflict yet');

    await inspector.step('stepToConflict');
    s = await inspector.snapshot();
    assert.equal(s.current?.type, 'update_origin_differs');
    assert.equal(s.current?.open, true);
    assert.deepEqual(s.current?.columns, ['sku', 'name', 'price', 'stock']);
    assert.match(s.current!.decidedBy, /hub version 1/);
    const byStrategy = Object.fromEntries(s.current!.previews.map((p) => [p.strategy, p]));
    assert.equal(byStrategy.hub_wins?.row?.price, 4);
    assert.equal(byStrategy.replica_wins?.row?.price, 5);
    // field_merge: name changed only at shop1, stock only at the hub, price on both sides
    assert.equal(byStrategy.field_merge?.row?.name, 'Espresso cup (white)');
    assert.equal(byStrategy.field_merge?.row?.stock, 38);
    conflictsSnapshotSchema.parse(s); // what crosses the wire passes the webview's validation

    await inspector.step('continue');
    s = await inspector.snapshot();
    assert.equal(s.stepping?.done, true);
    await assert.rejects(inspector.step('step'), /No sync is paused/);
  });

  it('"what if" replays on scratch databases and shows how the row would differ, without touching the hub', async () => {
    const id = (await session.conflicts(true))[0]!.id;
    await inspector.whatIf(id, 'replica_wins');
    const s = await inspector.snapshot();
    assert.equal(s.whatIf?.error, undefined);
    assert.deepEqual(s.whatIf?.diffs.map((d) => [d.key, d.actual?.price, d.alternative?.price]), [['sku="A-100"', 4, 5]]);
    const hub = await session.database(HUB).query<{ price: string }>("SELECT price::text AS price FROM product WHERE sku = 'A-100'");
    assert.equal(hub.rows[0]!.price, '4.00');
  });

  it('applies a strategy to the parked conflict: field merge writes the merged row at the hub', async () => {
    const id = (await session.conflicts(true))[0]!.id;
    await inspector.applyStrategy(id, 'field_merge');
    const s = await inspector.snapshot();
    assert.equal(s.conflicts.filter((c) => c.open).length, 0);
    const hub = await session.database(HUB).query<{ name: string; stock: number }>("SELECT name, stock FROM product WHERE sku = 'A-100'");
    assert.deepEqual(hub.rows[0], { name: 'Espresso cup (white)', stock: 38 });
  });

  it('queue and timeline snapshots hold what the panels show, and pass their wire validation', async () => {
    const q = queueSnapshotSchema.parse(await queueSnapshot(session, 'shop1'));
    assert.deepEqual(q.replicas, ['shop1', 'shop2']);
    assert.equal(q.ops[0]!.opId, 'shop1:1');
    assert.deepEqual(q.ops[0]!.changed?.slice().sort(), ['name', 'price']);
    const t = timelineSnapshotSchema.parse(await timelineSnapshot(session));
    assert.deepEqual(t.lanes, ['hub', 'shop1', 'shop2']);
    const types = t.events.map((e) => e.type);
    assert.ok(types.includes('replica_offline') && types.includes('conflict_detected'), types.join(', '));
    assert.equal(t.events.find((e) => e.type === 'conflict_detected')?.conflictId, 1);
  });
});
