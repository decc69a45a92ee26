/** Quoting for SQL text the engine generates. Identifiers are always quoted; values are always parameters. */

/** `"name"` with embedded quotes doubled: safe for any identifier (spaces, quotes, unicode, reserved words). */
export function quoteIdent(name: string): string {
  if (name.includes('\u0000')) throw new RangeError('An identifier cannot contain NUL.');
  return `"${name.replaceAll('"', '""')}"`;
}

/** `"schema"."table"`. */
export function qualified(t: { readonly schema: string; readonly name: string }): string {
  return `${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
}

/** A string literal, for the few places SQL text must embed a constant (trigger bodies); never user values at run time. */
export function quoteLiteral(value: string): string {
  if (value.includes('\u0000')) throw new RangeError('A literal cannot contain NUL.');
  return `'${value.replaceAll("'", "''")}'`;
}

/** `schema.table` for messages. */
export function displayName(t: { readonly schema: string; readonly name: string }): string {
  return t.schema === 'public' ? t.name : `${t.schema}.${t.name}`;
}
