/**
 * The connections explorer's catalog queries. Plain pg_catalog (no information_schema: it hides objects the
 * user does not own and is slow on big catalogs). Names are always parameters.
 */
import type { ColumnInfo, DatabaseInfo, FunctionInfo, RelationInfo, RelationKind, SchemaInfo } from '../../core/connections/catalogModel';
import type { Queryable } from '../../core/sql';

/** Databases of the server that accept connections (templates are left out). */
export async function listDatabases(q: Queryable): Promise<DatabaseInfo[]> {
  const r = await q.query<{ name: string; can_connect: boolean }>(
    `SELECT datname AS name, has_database_privilege(datname, 'CONNECT') AS can_connect
       FROM pg_database
      WHERE datallowconn AND NOT datistemplate
      ORDER BY datname`,
  );
  return r.rows.map((x) => ({ name: x.name, canConnect: x.can_connect }));
}

/** Schemas of the current database, without the system ones (pg_catalog, information_schema, pg_toast…). */
export async function listSchemas(q: Queryable): Promise<SchemaInfo[]> {
  const r = await q.query<{ name: string }>(
    `SELECT nspname AS name
       FROM pg_namespace
      WHERE nspname NOT IN ('pg_catalog', 'information_schema')
        AND nspname NOT LIKE 'pg\\_toast%' AND nspname NOT LIKE 'pg\\_temp\\_%'
      ORDER BY nspname`,
  );
  return r.rows;
}

const KINDS: Record<string, RelationKind> = {
  r: 'table',
  p: 'partitioned table',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
};

/** Tables and views of a schema (partitions are left out: their parent lists them). */
export async function listRelations(q: Queryable, schema: string): Promise<RelationInfo[]> {
  const r = await q.query<{ name: string; relkind: string }>(
    `SELECT c.relname AS name, c.relkind::text AS relkind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT c.relispartition
      ORDER BY c.relname`,
    [schema],
  );
  return r.rows.map((x) => ({ schema, name: x.name, kind: KINDS[x.relkind]! }));
}

/** Columns of a table or view, in table order, with their types as PostgreSQL prints them. */
export async function listColumns(q: Queryable, schema: string, relation: string): Promise<ColumnInfo[]> {
  const r = await q.query<{ name: string; type: string; not_null: boolean; default: string | null; pk: boolean }>(
    `SELECT a.attname AS name,
            format_type(a.atttypid, a.atttypmod) AS type,
            a.attnotnull AS not_null,
            pg_get_expr(d.adbin, d.adrelid) AS default,
            EXISTS (SELECT 1 FROM pg_index i
                     WHERE i.indrelid = c.oid AND i.indisprimary AND a.attnum = ANY (i.indkey)) AS pk
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE n.nspname = $1 AND c.relname = $2 AND a.attnum > 0 AND NOT a.attisdropped
      ORDER BY a.attnum`,
    [schema, relation],
  );
  return r.rows.map((x) => ({
    name: x.name,
    type: x.type,
    nullable: !x.not_null,
    primaryKey: x.pk,
    ...(x.default !== null ? { default: x.default } : {}),
  }));
}

/** Functions and procedures of a schema, without those that belong to extensions. */
export async function listFunctions(q: Queryable, schema: string, serverVersion: number): Promise<FunctionInfo[]> {
  // prokind arrived in PostgreSQL 11; before it, proisagg/proiswindow said the same
  const kind =
    serverVersion >= 110000
      ? `p.prokind::text`
      : `CASE WHEN p.proisagg THEN 'a' WHEN p.proiswindow THEN 'w' ELSE 'f' END`;
  const r = await q.query<{ name: string; args: string; result: string | null; kind: string }>(
    `SELECT p.proname AS name,
            pg_get_function_identity_arguments(p.oid) AS args,
            pg_get_function_result(p.oid) AS result,
            ${kind} AS kind
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = $1
        AND NOT EXISTS (SELECT 1 FROM pg_depend dep
                         WHERE dep.classid = 'pg_proc'::regclass AND dep.objid = p.oid AND dep.deptype = 'e')
      ORDER BY p.proname, 2`,
    [schema],
  );
  const kinds: Record<string, FunctionInfo['kind']> = { f: 'function', p: 'procedure', a: 'aggregate', w: 'window' };
  return r.rows.map((x) => ({ schema, name: x.name, args: x.args, result: x.result ?? '', kind: kinds[x.kind] ?? 'function' }));
}

/** `SELECT * FROM "schema"."table" LIMIT n`, identifiers quoted. */
export function selectTopSql(schema: string, relation: string, limit = 1000): string {
  return `SELECT * FROM ${quoteIdent(schema)}.${quoteIdent(relation)} LIMIT ${Math.max(0, Math.floor(limit))}`;
}

/** Quotes an identifier the way PostgreSQL's quote_ident does when quoting is needed (always, here). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
