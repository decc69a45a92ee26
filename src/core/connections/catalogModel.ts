/**
 * What the connections explorer shows of a server: databases, schemas, tables and views with their columns,
 * and functions. Plain data, read by src/db/connections/catalogQueries.ts and rendered by the sidebar tree.
 */

export interface DatabaseInfo {
  readonly name: string;
  /** False for databases this user may not connect to (no CONNECT privilege): listed, not expandable. */
  readonly canConnect: boolean;
}

export interface SchemaInfo {
  readonly name: string;
}

/** pg_class.relkind as a word. */
export type RelationKind = 'table' | 'partitioned table' | 'view' | 'materialized view' | 'foreign table';

export interface RelationInfo {
  readonly schema: string;
  readonly name: string;
  readonly kind: RelationKind;
}

export interface ColumnInfo {
  readonly name: string;
  /** As format_type() prints it: `integer`, `character varying(40)`, `numeric(10,2)`, `text[]`. */
  readonly type: string;
  readonly nullable: boolean;
  /** The default expression, when there is one. */
  readonly default?: string;
  /** Member of the primary key. */
  readonly primaryKey: boolean;
}

export interface FunctionInfo {
  readonly schema: string;
  readonly name: string;
  /** Argument list as pg_get_function_identity_arguments prints it, e.g. `a integer, b text`. */
  readonly args: string;
  /** Result type, e.g. `integer`, `SETOF record`, `trigger`; empty for procedures. */
  readonly result: string;
  readonly kind: 'function' | 'procedure' | 'aggregate' | 'window';
}

/** Whether a relation can be read with SELECT (every kind we list can). */
export function isTableLike(kind: RelationKind): boolean {
  return kind === 'table' || kind === 'partitioned table' || kind === 'foreign table';
}
