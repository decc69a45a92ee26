import type { ConflictDetail, ConflictsSnapshot } from '../../src/protocol/conflictsProtocol';
import type { OpView, QueueSnapshot } from '../../src/protocol/queueProtocol';
import type { TimelineSnapshot } from '../../src/protocol/timelineProtocol';

/** Builders for the replication panels' snapshots: the inventory story (two shops change one price offline). */
export function conflictDetail(over: Partial<ConflictDetail> = {}): ConflictDetail {
  const base = { sku: 'A-100', name: 'Espresso cup', price: 4.5, stock: 40 };
  const hub = { ...base, price: 4, stock: 38 };
  const incoming = { ...base, price: 5, name: 'Espresso cup (white)' };
  return {
    id: 1,
    type: 'update_origin_differs',
    table: 'product',
    key: 'sku="A-100"',
    replica: 'shop1',
    opId: 'shop1:1',
    opKind: 'update',
    explanation: 'The replica updated a row that someone else changed at the hub since this replica last saw it.',
    columns: ['sku', 'name', 'price', 'stock'],
    base,
    hub,
    incoming,
    hubHlc: '2025-01-01T00:00:00.004Z-0000-shop2',
    incomingHlc: '2025-01-01T00:00:00.002Z-0000-shop1',
    strategy: 'manual',
    outcome: 'parked',
    decidedBy: 'Strategy manual parked it for you (incoming HLC 2025-01-01T00:00:00.002Z-0000-shop1, hub HLC 2025-01-01T00:00:00.004Z-0000-shop2; the replica wrote on hub version 1).',
    open: true,
    previews: [
      { strategy: 'last_writer_wins', outcome: 'kept_hub', row: hub, reason: 'hub HLC is later than incoming HLC' },
      { strategy: 'first_writer_wins', outcome: 'applied_incoming', row: incoming, reason: 'incoming HLC is earlier' },
      { strategy: 'hub_wins', outcome: 'kept_hub', row: hub, reason: 'the hub row is kept' },
      { strategy: 'replica_wins', outcome: 'applied_incoming', row: incoming, reason: 'the incoming row is applied' },
      { strategy: 'higher_version_wins', outcome: 'kept_hub', row: hub, reason: 'hub version 2 > base version 1' },
      { strategy: 'field_merge', outcome: 'merged', row: { ...hub, name: 'Espresso cup (white)', price: 4 }, reason: 'name from incoming; price changed on both sides: hub HLC later' },
    ],
    ...over,
  };
}

export function conflictsSnapshot(over: Partial<ConflictsSnapshot> = {}): ConflictsSnapshot {
  return {
    playground: 'inventory',
    conflicts: [
      { id: 1, type: 'update_origin_differs', table: 'product', key: 'sku="A-100"', replica: 'shop1', strategy: 'manual', outcome: 'parked', open: true },
      { id: 2, type: 'delete_origin_differs', table: 'product', key: 'sku="C-300"', replica: 'shop1', strategy: 'manual', outcome: 'parked', open: true },
      { id: 3, type: 'insert_exists', table: 'product', key: 'sku="D-400"', replica: 'shop2', strategy: 'last_writer_wins', outcome: 'applied_incoming', open: false },
    ],
    current: conflictDetail(),
    stepping: {
      replica: 'shop1',
      lastEvent: 'conflict #1 update_origin_differs on product(sku="A-100") from shop1:1 update; strategy manual',
      events: [
        { seq: 7, type: 'sync_started', text: 'sync started: 2 op(s) to push, cursor 3' },
        { seq: 8, type: 'batch_pushed', text: 'pushed batch 1: shop1:1' },
        { seq: 9, type: 'conflict_detected', text: 'conflict #1 update_origin_differs on product(sku="A-100") from shop1:1 update; strategy manual' },
      ],
      done: false,
    },
    whatIf: null,
    busy: false,
    ...over,
  };
}

export function op(over: Partial<OpView> = {}): OpView {
  return {
    opId: 'shop1:1',
    seq: 1,
    table: 'product',
    key: 'sku="A-100"',
    kind: 'update',
    before: { sku: 'A-100', name: 'Espresso cup', price: 4.5, stock: 40 },
    after: { sku: 'A-100', name: 'Espresso cup', price: 5, stock: 40 },
    changed: ['price'],
    baseVersion: 1,
    hlc: '2025-01-01T00:00:00.002Z-0000-shop1',
    status: 'pending',
    retries: 0,
    error: null,
    ...over,
  };
}

export function queueSnapshot(over: Partial<QueueSnapshot> = {}): QueueSnapshot {
  return {
    replica: 'shop1',
    replicas: ['shop1', 'shop2'],
    online: false,
    ops: [
      op({ opId: 'shop1:1', seq: 1, status: 'applied' }),
      op({ opId: 'shop1:2', seq: 2, kind: 'insert', key: 'sku="D-400"', before: null, after: { sku: 'D-400', name: 'Saucer', price: 2.5, stock: 60 }, changed: null, baseVersion: 0, hlc: '2025-01-01T00:00:00.003Z-0000-shop1', status: 'pending' }),
      op({ opId: 'shop1:3', seq: 3, key: 'sku="B-200"', before: { sku: 'B-200', name: 'Teapot', price: 24, stock: 12 }, after: { sku: 'B-200', name: 'Teapot', price: -1, stock: 12 }, hlc: '2025-01-01T00:00:00.004Z-0000-shop1', status: 'rejected', error: 'new row for relation "product" violates check constraint "product_price_check"' }),
      op({ opId: 'shop1:4', seq: 4, kind: 'delete', key: 'sku="C-300"', before: { sku: 'C-300', name: 'Milk jug', price: 9.9, stock: 25 }, after: null, changed: null, hlc: '2025-01-01T00:00:00.005Z-0000-shop1', status: 'failed', retries: 3, error: 'could not serialize access due to concurrent update' }),
      op({ opId: 'shop1:5', seq: 5, key: 'sku="B-200"', before: { sku: 'B-200', name: 'Teapot', price: 24, stock: 12 }, after: { sku: 'B-200', name: 'Teapot', price: 24, stock: 11 }, changed: ['stock'], hlc: '2025-01-01T00:00:00.006Z-0000-shop1', status: 'conflict' }),
    ],
    ...over,
  };
}

export function timelineSnapshot(): TimelineSnapshot {
  const ev = (seq: number, replica: string, type: string, text: string, extra: Record<string, unknown> = {}) => ({
    seq,
    at: `2025-01-01T00:00:00.0${String(seq).padStart(2, '0')}Z`,
    replica,
    type,
    text,
    details: extra as Record<string, never>,
    ...(typeof extra.conflictId === 'number' ? { conflictId: extra.conflictId } : {}),
  });
  return {
    playground: 'inventory',
    lanes: ['hub', 'shop1', 'shop2', 'shop3'],
    events: [
      ev(1, 'shop1', 'replica_offline', 'shop1 went offline'),
      ev(2, 'shop2', 'sync_started', 'sync started: 1 op(s) to push, cursor 3', { queued: 1, cursor: 3 }),
      ev(3, 'shop2', 'batch_pushed', 'pushed batch 1: shop2:1', { batch: 1, opIds: ['shop2:1'] }),
      ev(4, 'shop2', 'op_applied', 'shop2:1 update product(sku="A-100") applied at the hub, version 2', { opId: 'shop2:1', version: 2 }),
      ev(5, 'shop2', 'sync_finished', 'sync finished: pushed 1, applied 1, pulled 0', { pushed: 1 }),
      ev(6, 'shop1', 'replica_online', 'shop1 came online'),
      ev(7, 'shop1', 'sync_started', 'sync started: 1 op(s) to push, cursor 3', { queued: 1, cursor: 3 }),
      ev(8, 'shop1', 'conflict_detected', 'conflict #1 update_origin_differs on product(sku="A-100") from shop1:1 update; strategy manual', { conflictId: 1, conflict: 'update_origin_differs', strategy: 'manual' }),
      ev(9, 'shop1', 'conflict_resolved', 'conflict #1 update_origin_differs → parked: waiting for a person', { conflictId: 1, outcome: 'parked' }),
      ev(10, 'shop1', 'change_pulled', 'pulled change 4 of product(sku="A-100") from shop2, version 2: kept_local', { changeSeq: 4, result: 'kept_local' }),
      ev(11, 'shop1', 'sync_finished', 'sync finished: pushed 1, conflicts 1, pulled 1', { pushed: 1, conflicts: 1 }),
      ev(12, 'hub', 'conflict_resolved_manually', 'conflict #1 resolved by hand: took incoming', { conflictId: 1, choice: 'incoming' }),
      ev(13, 'shop3', 'replica_added', 'replica added: a copy of the hub (3 row(s), up to change 4)', { rows: 3, cursor: 4, clockSkewMs: 0 }),
      ev(14, 'shop3', 'replica_removed', 'replica removed: 1 queued op(s) lost', { lostOps: 1 }),
    ],
  };
}
