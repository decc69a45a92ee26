import { z } from 'zod';
import { defineNotification, definePanelProtocol, defineRequest, noPayload } from './descriptors';
import { conflictTypeSchema, opKindSchema, outcomeSchema, rowSchema, strategySchema } from './replicationModel';

/** One conflict in the inspector's list. */
export const conflictItemSchema = z.object({
  id: z.number().int(),
  type: conflictTypeSchema,
  table: z.string(),
  /** The key as text, e.g. `sku="A-100"`. */
  key: z.string(),
  replica: z.string(),
  strategy: strategySchema,
  outcome: outcomeSchema,
  /** Parked: waiting for a person. */
  open: z.boolean(),
});

/** What one strategy would do to the current conflict, computed without applying anything. */
export const strategyPreviewSchema = z.object({
  strategy: strategySchema,
  outcome: outcomeSchema.optional(),
  /** The hub row it would leave (null: no row). */
  row: rowSchema.nullable(),
  reason: z.string(),
  /** Set when the preview could not be computed (e.g. `custom` without a function). */
  error: z.string().optional(),
});

export const conflictDetailSchema = z.object({
  id: z.number().int(),
  type: conflictTypeSchema,
  table: z.string(),
  key: z.string(),
  replica: z.string(),
  opId: z.string(),
  opKind: opKindSchema,
  /** The conflict type in one plain sentence. */
  explanation: z.string(),
  /** Columns to show side by side, in table order. */
  columns: z.array(z.string()),
  base: rowSchema.nullable(),
  hub: rowSchema.nullable(),
  incoming: rowSchema.nullable(),
  hubHlc: z.string().nullable(),
  incomingHlc: z.string(),
  strategy: strategySchema,
  outcome: outcomeSchema,
  /** The hub row after resolution (absent while parked). */
  result: rowSchema.nullable().optional(),
  /** What decided it, in a sentence: strategy, HLCs, versions. */
  decidedBy: z.string(),
  open: z.boolean(),
  previews: z.array(strategyPreviewSchema),
});

export const whatIfSchema = z.object({
  conflictId: z.number().int(),
  strategy: strategySchema,
  table: z.string(),
  diffs: z.array(z.object({ key: z.string(), actual: rowSchema.nullable(), alternative: rowSchema.nullable() })),
  skippedSteps: z.number().int(),
  error: z.string().optional(),
});

export const stepStateSchema = z.object({
  replica: z.string(),
  /** The event the sync is paused after, in one line. */
  lastEvent: z.string().nullable(),
  events: z.array(z.object({ seq: z.number().int(), type: z.string(), text: z.string() })),
  done: z.boolean(),
});

export const conflictsSnapshotSchema = z.object({
  playground: z.string(),
  conflicts: z.array(conflictItemSchema),
  current: conflictDetailSchema.nullable(),
  /** The step-mode sync, when one is running or just ended. */
  stepping: stepStateSchema.nullable(),
  whatIf: whatIfSchema.nullable(),
  /** A request is running on the host (step, apply, what if): controls wait. */
  busy: z.boolean(),
});
export type ConflictsSnapshot = z.output<typeof conflictsSnapshotSchema>;
export type ConflictDetail = z.output<typeof conflictDetailSchema>;
export type StrategyPreview = z.output<typeof strategyPreviewSchema>;

/** Host → webview: the whole inspector state, whenever anything changes. */
export const conflictsSnapshotNotification = defineNotification('conflicts/snapshot', conflictsSnapshotSchema);

const idParams = z.object({ id: z.number().int().positive() });

/** Show another conflict. */
export const selectConflictRequest = defineRequest('conflicts/select', idParams, noPayload);

/** Resolve a parked conflict the way a strategy would (its preview is what gets applied). */
export const applyStrategyRequest = defineRequest('conflicts/applyStrategy', idParams.extend({ strategy: strategySchema }), noPayload);

/** Resolve a parked conflict by hand: keep the hub row, take the incoming row, or an edited merged row. */
export const resolveConflictRequest = defineRequest(
  'conflicts/resolve',
  idParams.extend({ take: z.union([z.literal('hub'), z.literal('incoming'), z.object({ row: rowSchema })]) }),
  noPayload,
);

/** Debugger-like control of the step-mode sync. */
export const stepRequest = defineRequest('conflicts/step', z.object({ action: z.enum(['step', 'stepToConflict', 'continue', 'stop']) }), noPayload);

/** Replay the playground on scratch databases with another strategy for this conflict; the result comes in the snapshot. */
export const whatIfRequest = defineRequest('conflicts/whatIf', idParams.extend({ strategy: strategySchema }), noPayload);

export const conflictsProtocol = definePanelProtocol({
  toHost: [selectConflictRequest, applyStrategyRequest, resolveConflictRequest, stepRequest, whatIfRequest],
  toWebview: [conflictsSnapshotNotification],
});
