import type { ScenarioExpectation, TableRows } from './scenarioModel';
import { toJsonValue, type JsonRow, type TablesSnapshot } from './snapshot';

/** What an `expect` step is checked against: the state of the whole playground after the steps so far. */
export interface ExpectationState {
  readonly hub: TablesSnapshot;
  readonly replicas: Readonly<Record<string, { readonly tables: TablesSnapshot; readonly queue: Readonly<Record<string, number>> }>>;
  /** Conflict types in detection order. */
  readonly conflicts: readonly string[];
}

/** One checked fact. `message` says what held, or what differed first. */
export interface ExpectationResult {
  readonly ok: boolean;
  readonly message: string;
}

const show = (v: unknown) => JSON.stringify(v);

/**
 * Scalars match when they are equal as JSON, or when one side is a number and the other the same number as text
 * (PostgreSQL's numeric and bigint arrive as strings; people write 9.99), or when both are the same instant.
 */
export function sameValue(actual: unknown, expected: unknown): boolean {
  const a = toJsonValue(actual);
  const e = toJsonValue(expected);
  if (a === e) return true;
  if (typeof a === 'object' && typeof e === 'object' && a !== null && e !== null) {
    if (Array.isArray(a) !== Array.isArray(e)) return false;
    const ka = Object.keys(a);
    const ke = Object.keys(e);
    return ka.length === ke.length && ka.every((k) => sameValue((a as JsonRow)[k], (e as JsonRow)[k]));
  }
  if (typeof a === 'string' && typeof e === 'number') return a.trim() !== '' && Number(a) === e;
  if (typeof a === 'number' && typeof e === 'string') return e.trim() !== '' && Number(e) === a;
  if (typeof a === 'string' && typeof e === 'string' && /^\d{4}-\d\d-\d\d[T ]\d/.test(a) && /^\d{4}-\d\d-\d\d[T ]\d/.test(e)) {
    const ta = Date.parse(a);
    return !Number.isNaN(ta) && ta === Date.parse(e);
  }
  return false;
}

/** A primary key's values as a stable string, so expected rows (written as JSON) find the actual row. */
function keyOf(row: JsonRow, pk: readonly string[]): string {
  return pk.map((c) => String(toJsonValue(row[c]))).join('\u0000');
}
const describeKey = (row: JsonRow, pk: readonly string[]) => pk.map((c) => `${c}=${show(row[c])}`).join(', ') || show(row);

/**
 * Compares one table's rows, order-insensitively (matched by primary key; by position after sorting when the
 * table has none). An expected row names the columns it checks: a column it leaves out is not compared.
 * Returns undefined when they match, else the first difference in words.
 */
export function diffRows(where: string, actual: { primaryKey: readonly string[]; rows: readonly JsonRow[] } | undefined, expected: readonly JsonRow[]): string | undefined {
  if (!actual) return `${where}: no such table`;
  const pk = actual.primaryKey;
  if (pk.length && expected.every((r) => pk.every((c) => c in r))) {
    const byKey = new Map(actual.rows.map((r) => [keyOf(r, pk), r]));
    const wanted = new Set<string>();
    for (const e of expected) {
      const k = keyOf(e, pk);
      if (wanted.has(k)) return `${where}: expected rows list ${describeKey(e, pk)} twice`;
      wanted.add(k);
      const a = byKey.get(k);
      if (!a) return `${where}: row ${describeKey(e, pk)} is missing`;
      const d = diffRow(a, e);
      if (d) return `${where} row ${describeKey(e, pk)}: ${d}`;
    }
    const extra = actual.rows.find((r) => !wanted.has(keyOf(r, pk)));
    if (extra) return `${where}: unexpected row ${describeKey(extra, pk)} ${show(extra)}`;
    return undefined;
  }
  // No usable key: compare as multisets of the named columns.
  const left = [...actual.rows];
  for (const e of expected) {
    const i = left.findIndex((a) => diffRow(a, e) === undefined);
    if (i < 0) return `${where}: no row matches ${show(e)}`;
    left.splice(i, 1);
  }
  if (left.length) return `${where}: unexpected row ${show(left[0])}`;
  return undefined;
}

function diffRow(actual: JsonRow, expected: JsonRow): string | undefined {
  for (const [c, v] of Object.entries(expected)) {
    if (!(c in actual)) return `no column "${c}" (columns: ${Object.keys(actual).join(', ')})`;
    if (!sameValue(actual[c], v)) return `${c} is ${show(actual[c])}, expected ${show(v)}`;
  }
  return undefined;
}

/** Whether two databases hold the same user tables and rows; else the first difference. */
export function diffTables(where: string, actual: TablesSnapshot, reference: TablesSnapshot): string | undefined {
  for (const t of Object.keys(reference)) {
    const d = diffRows(`${where}.${t}`, actual[t], reference[t]!.rows);
    if (d) return d;
  }
  const extra = Object.keys(actual).find((t) => !(t in reference));
  return extra ? `${where}.${extra}: table exists only on ${where}` : undefined;
}

function checkTables(label: string, actual: TablesSnapshot, expected: TableRows): ExpectationResult[] {
  return Object.entries(expected).map(([t, rows]) => {
    const d = diffRows(`${label}.${t}`, actual[t], rows as JsonRow[]);
    return d ? { ok: false, message: d } : { ok: true, message: `${label}.${t} has the ${rows.length} expected row${rows.length === 1 ? '' : 's'}` };
  });
}

/** Checks every part of one `expect` step against the state; one result per checked part. */
export function checkExpectation(expect: ScenarioExpectation, state: ExpectationState): ExpectationResult[] {
  const out: ExpectationResult[] = [];
  if (expect.converged !== undefined) {
    let firstDiff: string | undefined;
    for (const [name, r] of Object.entries(state.replicas)) {
      firstDiff ??= diffTables(name, r.tables, state.hub);
    }
    const converged = firstDiff === undefined;
    out.push(
      converged === expect.converged
        ? { ok: true, message: converged ? 'converged: every replica equals the hub' : `not converged, as expected (${firstDiff})` }
        : { ok: false, message: converged ? 'expected the replicas to differ from the hub, but all are equal' : `not converged: ${firstDiff}` },
    );
  }
  if (expect.hub) out.push(...checkTables('hub', state.hub, expect.hub));
  for (const [name, tables] of Object.entries(expect.replicas ?? {})) {
    out.push(...checkTables(name, state.replicas[name]?.tables ?? {}, tables));
  }
  for (const [name, counts] of Object.entries(expect.queue ?? {})) {
    const actual = state.replicas[name]?.queue ?? {};
    const wrong = Object.entries(counts).find(([status, n]) => (actual[status] ?? 0) !== n);
    out.push(
      wrong
        ? { ok: false, message: `queue of ${name}: ${wrong[0]} is ${actual[wrong[0]] ?? 0}, expected ${wrong[1]} (queue: ${show(actual)})` }
        : { ok: true, message: `queue of ${name}: ${Object.entries(counts).map(([s, n]) => `${s}=${n}`).join(', ')}` },
    );
  }
  if (expect.conflicts) {
    const a = state.conflicts;
    const e = expect.conflicts;
    const i = a.findIndex((t, j) => t !== e[j]);
    const first = i >= 0 ? i : a.length !== e.length ? Math.min(a.length, e.length) : -1;
    out.push(
      first < 0
        ? { ok: true, message: `conflicts: [${a.join(', ')}]` }
        : {
            ok: false,
            message: `conflicts differ at #${first}: got ${a[first] ?? '(none)'}, expected ${e[first] ?? '(none)'} (all: [${a.join(', ')}])`,
          },
    );
  }
  return out;
}
