import type { Queryable, Row } from '../sql';

/**
 * Reading a database's user tables as JSON-safe rows sorted by primary key: what reports print, what expectations
 * compare and what `converged` means. Plain SQL over the port, so it works for the hub and every replica alike.
 */

/** A JSON-safe row: column → JSON value. */
export type JsonRow = Record<string, unknown>;

/** One table's rows, sorted by primary key, plus the primary key columns (in key order). */
export interface TableSnapshot {
  readonly primaryKey: readonly string[];
  readonly rows: readonly JsonRow[];
}

/** table name → snapshot. Tables outside `public` are named `schema.table`. */
export type TablesSnapshot = Readonly<Record<string, TableSnapshot>>;

/** Converts a driver value to what JSON can carry, deterministically (bigint → string, Date → ISO, bytes → base64). */
export function toJsonValue(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? String(v) : v.toISOString();
  if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`;
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) out[k] = toJsonValue((v as Record<string, unknown>)[k]);
    return out;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return v;
}

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * The user's tables: every ordinary table outside the system schemas and outside schemas starting with `_`
 * (the sync engine keeps its own state in `_sync`, `_hub`, … — not user data).
 */
export async function listUserTables(db: Queryable): Promise<{ schema: string; table: string; name: string; primaryKey: string[] }[]> {
  const r = await db.query<{ schema: string; table: string; pk: string[] | null }>(
    `SELECT n.nspname AS schema, c.relname AS table,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
        AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT LIKE '\\_%'
      ORDER BY n.nspname = 'public' DESC, n.nspname, c.relname`,
  );
  return r.rows.map((x) => ({
    schema: x.schema,
    table: x.table,
    name: x.schema === 'public' ? x.table : `${x.schema}.${x.table}`,
    primaryKey: x.pk ?? [],
  }));
}

/**
 * Every user table's rows, sorted by primary key (all columns when a table has none), columns in table order.
 * COLLATE "C" keeps the order independent of the database's locale, so outputs are byte-identical everywhere.
 */
export async function snapshotTables(db: Queryable): Promise<TablesSnapshot> {
  const out: Record<string, TableSnapshot> = {};
  for (const t of await listUserTables(db)) {
    const cols = await db.query<{ name: string; collatable: boolean }>(
      `SELECT a.attname AS name, t.typcollation <> 0 AS collatable
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [`${ident(t.schema)}.${ident(t.table)}`],
    );
    const collatable = new Map(cols.rows.map((c) => [c.name, c.collatable]));
    const orderCols = t.primaryKey.length ? t.primaryKey : cols.rows.map((c) => c.name);
    const order = orderCols.map((c) => `${ident(c)}${collatable.get(c) ? ' COLLATE "C"' : ''}`).join(', ');
    const rows = await db.query<Row>(
      `SELECT * FROM ${ident(t.schema)}.${ident(t.table)}${order ? ` ORDER BY ${order}` : ''}`,
    );
    out[t.name] = { primaryKey: t.primaryKey, rows: rows.rows.map(rowToJson) };
  }
  return out;
}

/** A driver row as JSON, columns kept in table order. */
export function rowToJson(r: Row): JsonRow {
  const out: JsonRow = {};
  for (const [k, v] of Object.entries(r)) out[k] = toJsonValue(v);
  return out;
}

/** Just the rows, table → rows: the form reports and `--json` print. */
export function rowsOf(s: TablesSnapshot): Record<string, JsonRow[]> {
  const out: Record<string, JsonRow[]> = {};
  for (const [t, v] of Object.entries(s)) out[t] = [...v.rows];
  return out;
}
