/**
 * Errors across the worker boundary. Structured clone keeps an Error's message and stack but drops its class and
 * own fields, so a DbError would arrive without its SQL, parameters and diagnostics; we flatten and rebuild it.
 */
import { DbError } from '../../core/errors';
import type { SerializedDbError } from './protocol';

const DIAG = ['code', 'position', 'detail', 'hint', 'severity', 'constraint', 'table', 'column'] as const;

/** Flattens any thrown value into plain data. */
export function serializeError(e: unknown): SerializedDbError {
  if (DbError.is(e)) {
    const out: Record<string, unknown> = { name: e.name, message: e.message, stack: e.stack, reason: 'db', sql: e.sql };
    if (e.params !== undefined) out.params = cloneableParams(e.params);
    for (const k of DIAG) if (e[k] !== undefined) out[k] = e[k];
    return out as unknown as SerializedDbError;
  }
  if (e instanceof Error) return { name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  return { name: 'Error', message: String(e) };
}

/** Rebuilds the error on the host side. The worker's stack is kept in `cause` so nothing is lost for debugging. */
export function deserializeError(s: SerializedDbError): Error {
  const remote = Object.assign(new Error(s.message), { name: s.name, stack: s.stack });
  if (s.reason !== 'db') return remote;
  const e = new DbError(s.message, s.sql ?? '', s.params, s, { cause: remote });
  return e;
}

/** Parameters came from the host by structured clone, but be safe: a value that cannot clone becomes its string. */
function cloneableParams(params: readonly unknown[]): unknown[] {
  return params.map((p) => {
    if (p === null || ['string', 'number', 'boolean', 'bigint', 'undefined'].includes(typeof p)) return p;
    try {
      return structuredClone(p);
    } catch {
      return String(p);
    }
  });
}
