import type { OpView, QueueSnapshot } from '../../protocol/queueProtocol';
import type { WireRow } from '../../protocol/replicationModel';
import { displayName } from '../sync/ident';
import type { Op } from '../sync/types';
import { keyText } from './conflictView';
import type { PlaygroundSession } from './playgroundSession';

const wire = (r: Op['before']): WireRow | null => r as WireRow | null;

export function opView(op: Op): OpView {
  return {
    opId: op.opId,
    seq: op.seq,
    table: displayName(op.table),
    key: keyText(op.pk),
    kind: op.kind,
    before: wire(op.before),
    after: wire(op.after),
    changed: op.changed ? [...op.changed] : null,
    baseVersion: op.baseVersion,
    hlc: op.hlc,
    status: op.status,
    retries: op.retries,
    error: op.error,
  };
}

/** One replica's whole queue, in capture order, for the queue inspector. */
export async function queueSnapshot(session: PlaygroundSession, replica: string): Promise<QueueSnapshot> {
  const r = session.playground.replica(replica);
  return {
    replica,
    replicas: session.playground.replicas.map((x) => x.name),
    online: r.online,
    ops: (await session.queue(replica)).map(opView),
  };
}
