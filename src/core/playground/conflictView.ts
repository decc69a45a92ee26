import type { ConflictDetail, StrategyPreview } from '../../protocol/conflictsProtocol';
import type { WireRow } from '../../protocol/replicationModel';
import { displayName } from '../sync/ident';
import type { ConflictRecord, ConflictType, RowImage, Strategy, TrackedTable } from '../sync/types';
import { STRATEGIES } from '../sync/types';
import type { PlaygroundSession } from './playgroundSession';

/** The conflict type in one plain sentence, for the inspector's header. */
export const CONFLICT_EXPLANATIONS: Readonly<Record<ConflictType, string>> = {
  insert_exists: 'The replica inserted a row whose key the hub already has.',
  update_origin_differs: 'The replica updated a row that someone else changed at the hub since this replica last saw it.',
  update_exists: 'The replica’s update would give the row a unique value that another hub row already has.',
  update_missing: 'The replica updated a row the hub does not have.',
  update_deleted: 'The replica updated a row that was deleted at the hub in the meantime.',
  delete_origin_differs: 'The replica deleted a row that someone else changed at the hub since this replica last saw it.',
  delete_missing: 'The replica deleted a row that is already gone at the hub (harmless).',
};

/** `sku="A-100"`, `org="x", n=1`: a key as a person reads it. */
export function keyText(pk: RowImage): string {
  return Object.entries(pk)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

/** Rows come from jsonb, so they are JSON already; the cast only changes the static type. */
const wire = (r: RowImage | null | undefined): WireRow | null => (r ?? null) as WireRow | null;

/** The columns to show side by side: the table's, then any extra a row image carries. */
function columnsOf(c: ConflictRecord, table: TrackedTable | undefined): string[] {
  const cols = [...(table?.columns ?? [])];
  for (const r of [c.base, c.hub, c.incoming, c.result ?? null]) for (const k of Object.keys(r ?? {})) if (!cols.includes(k)) cols.push(k);
  return cols;
}

function decidedBy(c: ConflictRecord, baseVersion: number | undefined): string {
  const seen = baseVersion === undefined ? '' : `; the replica wrote on hub version ${baseVersion}`;
  const hlc = `incoming HLC ${c.incomingHlc}${c.hubHlc ? `, hub HLC ${c.hubHlc}` : ''}${seen}`;
  if (c.outcome === 'parked') return `Strategy manual parked it for you (${hlc}).`;
  if (c.outcome === 'resolved_manually') return `Resolved by hand: took ${c.choice ?? 'an edited row'} (${hlc}).`;
  return `Strategy ${c.strategy} → ${c.outcome.replaceAll('_', ' ')} (${hlc}).${c.error ? ` ${c.error}` : ''}`;
}

/** Strategies worth previewing for this conflict: every one but manual, and custom only when a rule names one. */
function previewable(c: ConflictRecord, session: PlaygroundSession): Strategy[] {
  const hasCustom = session.playground.rules().some((r) => r.strategy === 'custom');
  return STRATEGIES.filter((s) => s !== 'manual' && (s !== 'custom' || hasCustom || c.strategy === 'custom'));
}

/** The inspector's detail of one conflict, with a preview of every strategy (nothing is applied). */
export async function conflictDetail(session: PlaygroundSession, c: ConflictRecord): Promise<ConflictDetail> {
  const table = session.playground.tables().find((t) => t.schema === c.table.schema && t.name === c.table.name);
  const open = c.outcome === 'parked';
  const op = (await session.queue(c.replica).catch(() => [])).find((o) => o.opId === c.opId);
  const previews: StrategyPreview[] = [];
  for (const strategy of previewable(c, session)) {
    try {
      const p = await session.preview(c.id, { strategy });
      previews.push({ strategy, outcome: p.outcome, row: wire(p.row), reason: p.reason });
    } catch (e) {
      previews.push({ strategy, row: null, reason: '', error: e instanceof Error ? e.message : String(e) });
    }
  }
  return {
    id: c.id,
    type: c.type,
    table: displayName(c.table),
    key: keyText(c.pk),
    replica: c.replica,
    opId: c.opId,
    opKind: c.opKind,
    explanation: CONFLICT_EXPLANATIONS[c.type],
    columns: columnsOf(c, table),
    base: wire(c.base),
    hub: wire(c.hub),
    incoming: wire(c.incoming),
    hubHlc: c.hubHlc,
    incomingHlc: c.incomingHlc,
    strategy: c.strategy,
    outcome: c.outcome,
    ...(c.result !== undefined ? { result: wire(c.result) } : {}),
    decidedBy: decidedBy(c, op?.baseVersion),
    open,
    previews,
  };
}
