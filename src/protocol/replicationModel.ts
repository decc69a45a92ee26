import { z } from 'zod';
import { CONFLICT_OUTCOMES, CONFLICT_TYPES, OP_KINDS, OP_STATUSES, STRATEGIES, type OpStatus } from '../core/sync/types';
import type { WireValue } from './wire';

/*
 * Values the replication panels (queue, conflicts, timeline) share. Rows cross as JSON (what `to_jsonb(row)`
 * gave the engine), so they are already wire-safe; the schemas still check their shape on arrival.
 */

/** Any JSON value. */
export const jsonValueSchema = z.json() as unknown as z.ZodType<WireValue>;

/** A row image: column → JSON value. */
export const rowSchema = z.record(z.string(), jsonValueSchema);
export type WireRow = z.output<typeof rowSchema>;

// the engine's vocabulary, one list each (src/core/sync/types.ts)
export const opStatusSchema = z.enum(OP_STATUSES);
export const opKindSchema = z.enum(OP_KINDS);
export const conflictTypeSchema = z.enum(CONFLICT_TYPES);
export const strategySchema = z.enum(STRATEGIES);
export const outcomeSchema = z.enum(CONFLICT_OUTCOMES);

/** The codicon of each op status, the same in the sidebar tree and the queue inspector. */
export const OP_STATUS_ICONS: Readonly<Record<OpStatus, string>> = {
  pending: 'clock',
  sent: 'arrow-up',
  applied: 'check',
  discarded: 'discard',
  conflict: 'git-merge',
  rejected: 'error',
  failed: 'warning',
};

/** A replica or the hub by name, as the UI and op ids spell it. */
export const replicaNameSchema = z.string().min(1).max(63);
