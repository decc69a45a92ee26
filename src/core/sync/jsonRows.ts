/**
 * Reads many rows as ONE json text cell, parsed once with JSON.parse.
 *
 * Why: drivers decode a result cell by cell (PGlite in JS, per DataRow and per column, with a JSON.parse per jsonb
 * cell). For the sync's wide batches (500 ops with before/after images) that decoding cost more than the query;
 * `json_agg` builds the text next to the data and the host parses it in one native call (measured: a 500-op oplog
 * batch 13 ms -> 5 ms in PGlite). Values come back as JSON would give them: int8 as numbers (safe below 2^53,
 * which sequence numbers and versions are), jsonb as objects, text as strings.
 */
import type { Queryable } from '../sql';

/**
 * Rows of `sql` (a SELECT, or a CTE whose last part is a SELECT) in `orderBy` order. `sql` must produce a relation
 * usable as `FROM (sql) x`; `orderBy` is an expression over `x` (e.g. `x.seq`).
 */
export async function queryJsonRows<R>(q: Queryable, sql: string, params: readonly unknown[], orderBy: string): Promise<R[]> {
  return queryJsonText<R>(q, `SELECT json_agg(x ORDER BY ${orderBy})::text AS j FROM (${sql}) x`, params);
}

/**
 * For statements that cannot be wrapped (a data-modifying CTE must stay at the top level): `sql` itself returns one
 * row with one text column `j` holding a json array (or NULL for none), e.g. `WITH u AS (UPDATE … RETURNING …)
 * SELECT json_agg(u ORDER BY u.seq)::text AS j FROM u`.
 */
export async function queryJsonText<R>(q: Queryable, sql: string, params: readonly unknown[]): Promise<R[]> {
  const r = await q.query<{ j: string | null }>(sql, params);
  const j = r.rows[0]?.j;
  return j ? (JSON.parse(j) as R[]) : [];
}
