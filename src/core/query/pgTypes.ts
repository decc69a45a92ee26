import type { ColumnMeta } from '../../protocol/resultsModel';

/** What the serialiser needs to know about a column's type. */
export interface PgTypeInfo {
  readonly oid: number;
  /** pg_type.typname: int4, jsonb, _int4 (arrays start with _). */
  readonly name: string;
  /** For arrays, the element type's oid. */
  readonly elemOid?: number;
  readonly kind: ColumnMeta['kind'];
}

type Kind = ColumnMeta['kind'];

/** Built-in types (their oids are fixed in every PostgreSQL): [oid, name, kind, array oid]. */
const BUILTIN: readonly (readonly [number, string, Kind, number])[] = [
  [16, 'bool', 'boolean', 1000],
  [17, 'bytea', 'bytea', 1001],
  [18, 'char', 'text', 1002],
  [19, 'name', 'text', 1003],
  [20, 'int8', 'number', 1016],
  [21, 'int2', 'number', 1005],
  [23, 'int4', 'number', 1007],
  [24, 'regproc', 'text', 1008],
  [25, 'text', 'text', 1009],
  [26, 'oid', 'number', 1028],
  [27, 'tid', 'text', 1010],
  [28, 'xid', 'text', 1011],
  [29, 'cid', 'text', 1012],
  [114, 'json', 'json', 199],
  [142, 'xml', 'text', 143],
  [194, 'pg_node_tree', 'text', 0],
  [600, 'point', 'text', 1017],
  [650, 'cidr', 'text', 651],
  [700, 'float4', 'number', 1021],
  [701, 'float8', 'number', 1022],
  [705, 'unknown', 'text', 0],
  [774, 'macaddr8', 'text', 775],
  [790, 'money', 'text', 791],
  [829, 'macaddr', 'text', 1040],
  [869, 'inet', 'text', 1041],
  [1033, 'aclitem', 'text', 1034],
  [1042, 'bpchar', 'text', 1014],
  [1043, 'varchar', 'text', 1015],
  [1082, 'date', 'temporal', 1182],
  [1083, 'time', 'temporal', 1183],
  [1114, 'timestamp', 'temporal', 1115],
  [1184, 'timestamptz', 'temporal', 1185],
  [1186, 'interval', 'text', 1187],
  [1266, 'timetz', 'temporal', 1270],
  [1560, 'bit', 'text', 1561],
  [1562, 'varbit', 'text', 1563],
  [1700, 'numeric', 'number', 1231],
  [2205, 'regclass', 'text', 2210],
  [2206, 'regtype', 'text', 2211],
  [2249, 'record', 'text', 2287],
  [2278, 'void', 'text', 0],
  [2950, 'uuid', 'text', 2951],
  [3220, 'pg_lsn', 'text', 3221],
  [3614, 'tsvector', 'text', 3643],
  [3615, 'tsquery', 'text', 3645],
  [3802, 'jsonb', 'json', 3807],
  [4072, 'jsonpath', 'text', 4073],
  [5038, 'pg_snapshot', 'text', 5039],
];

const builtins = new Map<number, PgTypeInfo>();
for (const [oid, name, kind, arrayOid] of BUILTIN) {
  builtins.set(oid, { oid, name, kind });
  if (arrayOid) builtins.set(arrayOid, { oid: arrayOid, name: `_${name}`, elemOid: oid, kind: 'json' });
}

/** The built-in type with this oid, if it is one. */
export function builtinType(oid: number): PgTypeInfo | undefined {
  return builtins.get(oid);
}

/** A row of `SELECT oid, typname, typelem, typcategory FROM pg_type`. */
export interface PgTypeRow {
  readonly oid: number;
  readonly typname: string;
  readonly typelem: number;
  readonly typcategory: string;
}

/** Type info for a user-defined type (enum, domain, composite, extension type) read from pg_type. */
export function typeFromCatalog(row: PgTypeRow): PgTypeInfo {
  if (row.typcategory === 'A' && row.typelem) return { oid: row.oid, name: row.typname, elemOid: row.typelem, kind: 'json' };
  const kind: Kind = row.typcategory === 'N' ? 'number' : row.typcategory === 'B' ? 'boolean' : row.typcategory === 'D' ? 'temporal' : 'text';
  // user numeric-category types (domains over int8 …) keep Postgres' text: exactness over convenience
  return { oid: row.oid, name: row.typname, kind: kind === 'number' ? 'text' : kind };
}

/** Fallback for an oid nobody could resolve: shown as text. */
export function unknownType(oid: number): PgTypeInfo {
  return { oid, name: String(oid), kind: 'text' };
}
