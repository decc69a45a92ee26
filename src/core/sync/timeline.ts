/**
 * The timeline: every event, numbered, kept at the hub (`_sync.timeline`) so it survives restarts and holds
 * the events of every replica in one order.
 */
import type { Queryable, SqlPort } from '../sql';
import type { TimelineEvent, UnnumberedEvent } from './events';

/**
 * The timeline's storage: one row per run of consecutive events of one replica, numbered `first` .. `last` in array
 * order. A pushed batch of 500 ops records ~500 events; one row for them (stored as json text, not parsed into
 * jsonb) costs a fifth of 500 rows with their index entries, and the timeline was the largest single cost of a
 * sync (measured: 437 of 2,835 ms for 10,000 ops). Numbers stay consecutive across writers: `_sync.timeline_append`
 * reserves a run of them under a transaction lock, so concurrent pushes to a real PostgreSQL hub cannot interleave.
 */
export const TIMELINE_SQL = `
CREATE SEQUENCE _sync.timeline_seq;
CREATE TABLE _sync.timeline (last bigint PRIMARY KEY, first bigint NOT NULL, replica text NOT NULL, events json NOT NULL);
CREATE INDEX timeline_replica ON _sync.timeline (replica, last);`;

/** The append function (CREATE OR REPLACE: the upgrade below may run it on a hub that has one). */
export const TIMELINE_FUNCTION_SQL = `
CREATE OR REPLACE FUNCTION _sync.timeline_append(r text, n int, evs json) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE hi bigint;
BEGIN
  PERFORM pg_advisory_xact_lock(${0x5eed71e});
  hi := setval('_sync.timeline_seq', nextval('_sync.timeline_seq') + n - 1);
  INSERT INTO _sync.timeline (last, first, replica, events) VALUES (hi, hi - n + 1, r, evs);
  RETURN hi - n + 1;
END $$;`;

/** Brings a hub whose timeline has one row per event (engines before the run layout) to the run layout. */
export async function upgradeTimeline(hub: SqlPort): Promise<void> {
  const old = await hub.query(
    `SELECT 1 FROM information_schema.columns WHERE table_schema = '_sync' AND table_name = 'timeline' AND column_name = 'event'`,
  );
  if (!old.rows.length) return;
  await hub.transaction(async (tx) => {
    await tx.exec(`ALTER TABLE _sync.timeline RENAME TO timeline_per_event;
      ALTER INDEX _sync.timeline_replica RENAME TO timeline_per_event_replica;
      ALTER INDEX _sync.timeline_pkey RENAME TO timeline_per_event_pkey;
      ${TIMELINE_SQL}
      ${TIMELINE_FUNCTION_SQL}
      INSERT INTO _sync.timeline (last, first, replica, events)
        SELECT seq, seq, replica, json_build_array(event) FROM _sync.timeline_per_event;
      SELECT setval('_sync.timeline_seq', max(seq)) FROM _sync.timeline_per_event HAVING count(*) > 0;
      DROP TABLE _sync.timeline_per_event;`);
  });
}

/** Appends events in order and returns them numbered. */
export async function appendEvents(q: Queryable, events: readonly UnnumberedEvent[]): Promise<TimelineEvent[]> {
  const out: TimelineEvent[] = [];
  // runs of one replica's events (a sync's events are all one replica's: one run)
  for (let i = 0; i < events.length; ) {
    let j = i + 1;
    while (j < events.length && events[j]!.replica === events[i]!.replica) j++;
    const run = events.slice(i, j);
    const r = await q.query<{ first: string }>('SELECT _sync.timeline_append($1, $2, $3::json) AS first', [
      run[0]!.replica, run.length, JSON.stringify(run),
    ]);
    const first = Number(r.rows[0]!.first);
    run.forEach((e, k) => out.push({ seq: first + k, ...e } as TimelineEvent));
    i = j;
  }
  return out;
}

export interface TimelineFilter {
  readonly replica?: string;
  readonly types?: readonly string[];
  readonly afterSeq?: number;
  readonly limit?: number;
}

export async function readTimeline(q: Queryable, f: TimelineFilter = {}): Promise<TimelineEvent[]> {
  const r = await q.query<{ seq: string; event: Omit<TimelineEvent, 'seq'> }>(
    `SELECT t.first + e.i - 1 AS seq, e.value AS event
     FROM _sync.timeline t CROSS JOIN LATERAL json_array_elements(t.events) WITH ORDINALITY e(value, i)
     WHERE t.last > $1 AND ($2::text IS NULL OR t.replica = $2) AND t.first + e.i - 1 > $1
       AND ($3::text[] IS NULL OR e.value ->> 'type' = ANY($3))
     ORDER BY t.last, e.i LIMIT $4`,
    [f.afterSeq ?? 0, f.replica ?? null, f.types ? [...f.types] : null, f.limit ?? null],
  );
  return r.rows.map((x) => ({ seq: Number(x.seq), ...x.event }) as TimelineEvent);
}
