import { z } from 'zod';
import { defineNotification, definePanelProtocol, defineRequest, noPayload } from './descriptors';
import { jsonValueSchema } from './replicationModel';

/** One timeline event: the engine's fields as they are (`details`), plus a line for a person. */
export const timelineEventViewSchema = z.object({
  seq: z.number().int(),
  at: z.string(),
  /** The lane: a replica's name, or `hub`. */
  replica: z.string(),
  type: z.string(),
  text: z.string(),
  conflictId: z.number().int().optional(),
  details: z.record(z.string(), jsonValueSchema),
});
export type TimelineEventView = z.output<typeof timelineEventViewSchema>;

export const timelineSnapshotSchema = z.object({
  playground: z.string(),
  /** Lanes, in order: hub first, then the replicas. */
  lanes: z.array(z.string()),
  events: z.array(timelineEventViewSchema),
});
export type TimelineSnapshot = z.output<typeof timelineSnapshotSchema>;

export const timelineSnapshotNotification = defineNotification('timeline/snapshot', timelineSnapshotSchema);

/** Open a conflict in the conflict inspector. */
export const openConflictRequest = defineRequest('timeline/openConflict', z.object({ id: z.number().int().positive() }), noPayload);

export const timelineProtocol = definePanelProtocol({
  toHost: [openConflictRequest],
  toWebview: [timelineSnapshotNotification],
});
