/**
 * The data model of SQL results as it crosses from host to webview. JSON-safe by construction: the host
 * serialises every value explicitly (src/core/query) before it is sent.
 */

/**
 * One cell. null = SQL NULL. Numbers that fit a JS number exactly (int2, int4, float4/8) are numbers; int8 and
 * numeric are strings (never rounded); booleans are booleans; timestamps/dates are ISO strings; json/jsonb and
 * arrays are their JSON text; bytea is base64; everything else is Postgres' text form.
 */
export type Cell = string | number | boolean | null;

/** A result column. */
export interface ColumnMeta {
  readonly name: string;
  /** PostgreSQL type oid. */
  readonly typeOid: number;
  /** Type name for the header: int4, text, jsonb, numeric, _int4 (arrays start with _), … */
  readonly typeName: string;
  /** How the grid renders it. */
  readonly kind: 'number' | 'boolean' | 'json' | 'bytea' | 'temporal' | 'text';
}

/** One statement of a run, once it has finished (rows may still be arriving in pages). */
export interface StatementSummary {
  /** Unique within the panel's lifetime; rows pages refer to it. */
  readonly resultId: string;
  /** 0-based index of the statement in the script. */
  readonly index: number;
  readonly sql: string;
  /** Command tag as psql prints it: "SELECT 10", "INSERT 0 5", "UPDATE 3", "CREATE TABLE". */
  readonly commandTag: string;
  /** Empty for statements that return no rows. */
  readonly columns: readonly ColumnMeta[];
  /** Rows delivered to the grid so far. */
  readonly rowsLoaded: number;
  /** True while more rows can be fetched (the row cap stopped delivery). */
  readonly hasMore: boolean;
  readonly durationMs: number;
}

/** A statement that failed. The run stops at the first error (like psql with ON_ERROR_STOP). */
export interface StatementFailure {
  readonly index: number;
  readonly sql: string;
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly hint?: string;
  /** 1-based character position inside `sql`, when Postgres gave one. */
  readonly position?: number;
}

/** A whole run: one press of Run Query. */
export interface RunSnapshot {
  readonly runId: string;
  /** Where it ran, as shown to the user: "Playground (PGlite)", "replica A", "prod-ro (pg)". */
  readonly target: string;
  readonly startedAt: string;
  readonly state: 'running' | 'done' | 'failed' | 'cancelled';
  readonly statements: readonly StatementSummary[];
  readonly error?: StatementFailure;
  readonly durationMs?: number;
  /** The row cap in force (setting syncPlayground.results.rowCap). */
  readonly rowCap: number;
}

/** A page of rows for one statement, appended in order. */
export interface RowsPage {
  readonly resultId: string;
  /** Index of the first row of this page within the statement's rows. */
  readonly start: number;
  readonly rows: readonly (readonly Cell[])[];
  readonly hasMore: boolean;
}
