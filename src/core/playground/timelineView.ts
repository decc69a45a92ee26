import type { WireValue } from '../../protocol/wire';
import type { TimelineEventView, TimelineSnapshot } from '../../protocol/timelineProtocol';
import { describeEvent } from '../scenario/describeEvent';
import type { TimelineEvent } from '../sync/events';
import { HUB, type PlaygroundSession } from './playgroundSession';

/** Events past this many are dropped from the view (oldest first); the hub keeps them all. */
const MAX_EVENTS = 5_000;

export function timelineEventView(e: TimelineEvent): TimelineEventView {
  const { seq, at, replica, type, ...rest } = e;
  return {
    seq,
    at,
    replica,
    type,
    text: describeEvent(e),
    ...('conflictId' in e ? { conflictId: e.conflictId } : {}),
    // events are JSON already (they are stored as jsonb at the hub)
    details: JSON.parse(JSON.stringify(rest)) as Record<string, WireValue>,
  };
}

export async function timelineSnapshot(session: PlaygroundSession): Promise<TimelineSnapshot> {
  const events = (await session.timeline()).slice(-MAX_EVENTS);
  const current = session.playground.replicas.map((r) => r.name);
  // a removed replica keeps its lane while its events are shown (its replica_removed event among them)
  const gone = [...new Set(events.map((e) => e.replica))].filter((n) => n !== HUB && !current.includes(n));
  return {
    playground: session.name,
    lanes: [HUB, ...current, ...gone],
    events: events.map(timelineEventView),
  };
}
