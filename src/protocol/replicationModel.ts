import { z } from 'zod';
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

export const opStatusSchema = z.enum(['pending', 'sent', 'applied', 'discarded', 'conflict', 'rejected', 'failed']);
export const opKindSchema = z.enum(['insert', 'update', 'delete']);
export const conflictTypeSchema = z.enum([
  'insert_exists',
  'update_origin_differs',
  'update_exists',
  'update_missing',
  'update_deleted',
  'delete_origin_differs',
  'delete_missing',
]);
export const strategySchema = z.enum([
  'last_writer_wins',
  'first_writer_wins',
  'hub_wins',
  'replica_wins',
  'higher_version_wins',
  'field_merge',
  'manual',
  'custom',
]);
export const outcomeSchema = z.enum(['applied_incoming', 'kept_hub', 'merged', 'custom', 'rejected', 'parked', 'resolved_manually', 'skipped']);

/** A replica or the hub by name, as the UI and op ids spell it. */
export const replicaNameSchema = z.string().min(1).max(63);
