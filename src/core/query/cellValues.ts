import { parse as parseArrayLiteral } from 'postgres-array';
import type { Cell } from '../../protocol/resultsModel';
import type { PgTypeInfo } from './pgTypes';

/**
 * Turns one value from a driver into a JSON-safe Cell, keyed by the column's type oid. The query sessions ask
 * both drivers for Postgres' own text form (no driver parsing), so int8 and numeric stay exact and timestamps
 * keep their microseconds; values a driver did parse (a generic port) are handled too.
 */
export function toCell(value: unknown, type: PgTypeInfo, elemType?: PgTypeInfo): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') return fromParsed(value, type);
  if (type.elemOid !== undefined) return arrayToJson(value, elemType ?? { oid: type.elemOid, name: '', kind: 'text' });
  switch (type.oid) {
    case 16:
      return value === 't' || value === 'true';
    case 21:
    case 23:
    case 26:
    case 700:
    case 701:
      return plainNumber(value);
    case 17:
      return byteaToBase64(value);
    case 1083:
    case 1266:
    case 1082:
    case 1114:
    case 1184:
      return isoTemporal(value);
    default:
      // int8, numeric, json/jsonb (already JSON text), and every other type: Postgres' text form as is
      return value;
  }
}

/** A number when JSON can carry it; NaN and ±Infinity stay text. */
function plainNumber(text: string): Cell {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

/** bytea's hex output (\x0102…) as base64. The escape format (bytea_output = escape) is decoded too. */
export function byteaToBase64(text: string): string {
  if (text.startsWith('\\x')) return Buffer.from(text.slice(2), 'hex').toString('base64');
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === '\\') (bytes.push(92), i++);
    else if (text[i] === '\\') (bytes.push(parseInt(text.slice(i + 1, i + 4), 8)), (i += 3));
    else bytes.push(text.charCodeAt(i));
  }
  return Buffer.from(bytes).toString('base64');
}

const isoDateTime = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})?$/;
const isoTime = /^(\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d){0,2})?$/;

/**
 * Timestamps in ISO 8601 with Postgres' precision (microseconds) and the session's offset. Text Postgres
 * prints under a non-ISO DateStyle, BC dates and infinity are passed through unchanged.
 */
export function isoTemporal(text: string): string {
  const dt = isoDateTime.exec(text);
  if (dt) return `${dt[1]}T${dt[2]}${dt[3] ? offset(dt[3]) : ''}`;
  const t = isoTime.exec(text);
  if (t && t[2]) return `${t[1]}${offset(t[2])}`;
  return text;
}

const offset = (o: string) => (o.length === 3 ? `${o}:00` : o);

/** An array's text form ({1,NULL,"a,b"}) as JSON text, elements converted like cells of the element type. */
function arrayToJson(text: string, elem: PgTypeInfo): string {
  let parsed: unknown;
  try {
    // box[] uses ';' and arrays with explicit bounds ([0:1]={…}) are not JSON-shaped: keep the text
    if (elem.oid === 603 || text.startsWith('[')) return text;
    parsed = parseArrayLiteral(text);
  } catch {
    return text;
  }
  const json = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(json).join(',')}]`;
    if (v === null) return 'null';
    if (elem.kind === 'json') return v as string; // json[] / jsonb[] elements are JSON already
    return JSON.stringify(toCell(v, elem));
  };
  return json(parsed);
}

/** Values a driver parsed itself (only through a port without text mode). */
function fromParsed(value: unknown, type: PgTypeInfo): Cell {
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  if (typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? String(value) : value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (type.kind === 'json' || typeof value === 'object') {
    return JSON.stringify(value, (_k, v: unknown) => {
      if (typeof v === 'bigint') return v.toString();
      if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
      return v;
    });
  }
  return String(value);
}
