/**
 * The timeline: every event, numbered, kept at the hub (`_sync.timeline`) so it survives restarts and holds
 * the events of every replica in one order.
 */
import type { Queryable } from '../sql';
import type { TimelineEvent, UnnumberedEvent } from './events';

/** Appends events in order and returns them numbered. */
export async function appendEvents(q: Queryable, events: readonly UnnumberedEvent[]): Promise<TimelineEvent[]> {
  if (!events.length) return [];
  // one result row for the whole batch (a push of 500 ops records ~500 events), not one per event; the numbers
  // as a range when they are consecutive (always on PGlite), listed only when another writer took some between
  const r = await q.query<{ lo: string; hi: string; n: number; seqs: string | null }>(
    `WITH ins AS (
       INSERT INTO _sync.timeline (replica, event)
       SELECT e.value ->> 'replica', e.value FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY e(value, i) ORDER BY e.i
       RETURNING seq)
     SELECT min(seq) AS lo, max(seq) AS hi, count(*)::int AS n,
       CASE WHEN max(seq) - min(seq) + 1 = count(*) THEN NULL ELSE string_agg(seq::text, ',' ORDER BY seq) END AS seqs
     FROM ins`,
    [JSON.stringify(events)],
  );
  // sequence values are taken in insertion order, so the sorted values follow the events
  const row = r.rows[0]!;
  const lo = Number(row.lo);
  const seqs = row.seqs === null ? events.map((_, i) => lo + i) : row.seqs.split(',').map(Number);
  return events.map((e, i) => ({ seq: seqs[i]!, ...e }) as TimelineEvent);
}

export interface TimelineFilter {
  readonly replica?: string;
  readonly types?: readonly string[];
  readonly afterSeq?: number;
  readonly limit?: number;
}

export async function readTimeline(q: Queryable, f: TimelineFilter = {}): Promise<TimelineEvent[]> {
  const r = await q.query<{ seq: string; event: Omit<TimelineEvent, 'seq'> }>(
    `SELECT seq, event FROM _sync.timeline
     WHERE seq > $1 AND ($2::text IS NULL OR replica = $2) AND ($3::text[] IS NULL OR event ->> 'type' = ANY($3))
     ORDER BY seq LIMIT $4`,
    [f.afterSeq ?? 0, f.replica ?? null, f.types ? [...f.types] : null, f.limit ?? null],
  );
  return r.rows.map((x) => ({ seq: Number(x.seq), ...x.event }) as TimelineEvent);
}
