import type { FieldInfo } from '../sql';
import type { ColumnMeta } from '../../protocol/resultsModel';
import { builtinType, typeFromCatalog, unknownType, type PgTypeInfo } from './pgTypes';
import type { QuerySession } from './querySession';

/**
 * Type info for result columns: built-in oids from a fixed table, the rest (enums, domains, extension types,
 * their arrays) looked up once per session in pg_type and cached.
 */
export class TypeCatalog {
  readonly #known = new Map<number, PgTypeInfo>();

  constructor(private readonly session: Pick<QuerySession, 'lookupTypes'>) {}

  /** The type of every field, and of array elements, resolved. Lookup failures fall back to text. */
  async resolve(fields: readonly FieldInfo[]): Promise<void> {
    const missing = new Set<number>();
    const need = (oid: number) => {
      if (!builtinType(oid) && !this.#known.has(oid)) missing.add(oid);
    };
    for (const f of fields) need(f.dataTypeID);
    if (missing.size > 0) await this.#lookup([...missing]);
    for (const f of fields) {
      const elem = this.get(f.dataTypeID).elemOid;
      if (elem !== undefined) need(elem);
    }
    if (missing.size > 0) await this.#lookup([...missing]);
  }

  async #lookup(oids: number[]): Promise<void> {
    try {
      for (const row of await this.session.lookupTypes(oids)) this.#known.set(row.oid, typeFromCatalog(row));
    } catch {
      // an aborted transaction refuses every query: show those columns as text rather than fail the run
    }
    for (const oid of oids) if (!this.#known.has(oid)) this.#known.set(oid, unknownType(oid));
  }

  get(oid: number): PgTypeInfo {
    return builtinType(oid) ?? this.#known.get(oid) ?? unknownType(oid);
  }

  /** The element type of an array type. */
  elem(type: PgTypeInfo): PgTypeInfo | undefined {
    return type.elemOid === undefined ? undefined : this.get(type.elemOid);
  }

  columns(fields: readonly FieldInfo[]): ColumnMeta[] {
    return fields.map((f) => {
      const t = this.get(f.dataTypeID);
      return { name: f.name, typeOid: f.dataTypeID, typeName: t.name, kind: t.kind };
    });
  }
}
