import { z } from 'zod';
import { defineNotification, definePanelProtocol, defineRequest, noPayload } from './descriptors';
import { opKindSchema, opStatusSchema, replicaNameSchema, rowSchema } from './replicationModel';

/** One captured write in a replica's queue. */
export const opViewSchema = z.object({
  opId: z.string(),
  seq: z.number().int(),
  table: z.string(),
  key: z.string(),
  kind: opKindSchema,
  before: rowSchema.nullable(),
  after: rowSchema.nullable(),
  changed: z.array(z.string()).nullable(),
  baseVersion: z.number().int(),
  hlc: z.string(),
  status: opStatusSchema,
  retries: z.number().int(),
  error: z.string().nullable(),
});
export type OpView = z.output<typeof opViewSchema>;

export const queueSnapshotSchema = z.object({
  replica: z.string(),
  /** Every replica, to switch between queues. */
  replicas: z.array(z.string()),
  online: z.boolean(),
  ops: z.array(opViewSchema),
});
export type QueueSnapshot = z.output<typeof queueSnapshotSchema>;

/** Host → webview: the whole queue, whenever it changes. */
export const queueSnapshotNotification = defineNotification('queue/snapshot', queueSnapshotSchema);

/** Show another replica's queue. */
export const selectReplicaRequest = defineRequest('queue/selectReplica', z.object({ replica: replicaNameSchema }), noPayload);

/** Put a failed or rejected op back to pending. */
export const retryOpRequest = defineRequest('queue/retry', z.object({ opId: z.string().min(1).max(200) }), noPayload);

/** Drop a pending op (the host asks for confirmation first). Resolves false when the person said no. */
export const discardOpRequest = defineRequest('queue/discard', z.object({ opId: z.string().min(1).max(200) }), z.boolean());

export const queueProtocol = definePanelProtocol({
  toHost: [selectReplicaRequest, retryOpRequest, discardOpRequest],
  toWebview: [queueSnapshotNotification],
});
